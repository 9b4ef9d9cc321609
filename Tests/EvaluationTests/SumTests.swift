import Evaluation
import Exact
import ProofKernel
import Testing

// Sums over guards, against values computed by hand.

@Suite struct SumTests {
  let x = vector("x"), y = vector("y")
  var env: Environment {
    Environment(dimensions: ["n": 3], tensors: ["x": values(1, r(1, 2), -2), "y": values(3, 4, r(-1, 3))])
  }

  @Test func sumOverAnAxis() throws {
    // sum(i: n) x[i] = 1 + 1/2 - 2
    #expect(try value(sum("i", d("n"), at(x, i("i"))), env) == r(-1, 2))
  }

  @Test func sumOfAConstantCountsThePoints() throws {
    #expect(try value(sum("i", d("n"), q(5)), env) == r(15))
    #expect(try value(sum("i", affine(-1, (d("n"), 2)), q(1)), env) == r(5))  // 2n - 1 points
  }

  @Test func deltaGuardPairsEqualIndices() throws {
    // sum(i, j | 0 <= i < n, i == j) x[i] y[j] = 1*3 + (1/2)*4 + (-2)(-1/3) = 17/3
    let g = try Guard(nonNegative: [i("i"), minus(plus(d("n"), -1), i("i"))], equal: [minus(i("i"), i("j"))])
    let t = try Term.sum(["i", "j"], g, at(x, i("i")) * at(y, i("j")))
    #expect(try value(t, env) == r(17, 3))
    // The same with a Kronecker bracket under two ranges.
    let delta = Term.bracket(try Guard(equal: [minus(i("i"), i("j"))]))
    #expect(try value(sum("i", d("n"), sum("j", d("n"), delta * at(x, i("i")) * at(y, i("j")))), env) == r(17, 3))
  }

  @Test func triangularGuard() throws {
    // sum over 0 <= i <= j < n of x[i] y[j]:
    // j=0: x0 y0 = 3; j=1: (x0 + x1) y1 = 6; j=2: (x0 + x1 + x2)(-1/3) = 1/6. Total 55/6.
    let g = try Guard(nonNegative: [i("i"), minus(i("j"), i("i")), i("j"), minus(plus(d("n"), -1), i("j"))])
    let t = try Term.sum(["i", "j"], g, at(x, i("i")) * at(y, i("j")))
    #expect(try value(t, env) == r(55, 6))
    // Nested: sum(j: n) sum(i | 0 <= i <= j), the inner range depending on the outer index.
    let upToJ = try Guard.range("i", from: c(0), through: i("j"))
    let nested = sum("j", d("n"), try .sum(["i"], upToJ, at(x, i("i")) * at(y, i("j"))))
    #expect(try value(nested, env) == r(55, 6))
  }

  /// `0 <= i <= j < n` without `j >= 0`: the kernel sees the triangle is bounded (i from below, j
  /// from above, then each through the other), and the evaluator enumerates it through a box.
  @Test func triangleBoundedOnlyJointly() throws {
    let g = try Guard(nonNegative: [i("i"), minus(i("j"), i("i")), minus(plus(d("n"), -1), i("j"))])
    let t = try Term.sum(["i", "j"], g, .one)
    #expect(try value(t, Environment(dimensions: ["n": 4])) == r(10))
    let unbounded = try Guard(nonNegative: [minus(i("j"), i("i")), minus(plus(d("n"), -1), i("j"))])
    #expect(throws: KernelError.self) { try Term.sum(["i", "j"], unbounded, .one) }
  }

  @Test func equalityWithACoefficientNeedsDivisibility() throws {
    // sum(i | i >= 0, 2 i == n) 1 is 1 for even n, 0 for odd n.
    let g = try Guard(nonNegative: [i("i")], equal: [minus(affine(0, (i("i"), 2)), d("n"))])
    let t = try Term.sum(["i"], g, q(1))
    #expect(try value(t, Environment(dimensions: ["n": 4])) == r(1))
    #expect(try value(t, Environment(dimensions: ["n": 3])) == r(0))
  }

  @Test func emptyRangeSumsToZero() throws {
    let t = try Term.sum(["i"], .range("i", from: c(2), through: c(1)), at(x, i("i")))
    #expect(try value(t, env) == r(0))
  }

  @Test func accessOutsideTheShapeIsZero() throws {
    // sum(i: n) x[2 i] = x[0] + x[2] + x[4], and x[4] is outside the shape.
    #expect(try value(sum("i", d("n"), at(x, affine(0, (i("i"), 2)))), env) == r(-1))
    // Padding: sum(p: 3) x[k + p - 1] at k = 0 reads x[-1] = 0, x[0], x[1].
    var padded = env
    padded.indices["k"] = 0
    #expect(try value(sum("p", c(3), at(x, affine(-1, (i("k"), 1), (i("p"), 1)))), padded) == r(3, 2))
    padded.indices["k"] = 2
    #expect(try value(sum("p", c(3), at(x, affine(-1, (i("k"), 1), (i("p"), 1)))), padded) == r(-3, 2))
  }

  @Test func boundIndexShadowsAFreeOneOnlyInsideTheSum() throws {
    // sum(i: n) x[i] + y[i] at the free index i = 1: -1/2 + 4.
    var shadowed = env
    shadowed.indices["i"] = 1
    #expect(try value(sum("i", d("n"), at(x, i("i"))) + at(y, i("i")), shadowed) == r(7, 2))
  }

  @Test func enumerationMatchesBruteForceOnRandomGuards() throws {
    // Random two-index guards, bounded through a chain (i by constants, j by i), plus random extra
    // constraints; the number of points counted by `sum` equals a brute-force count over a box.
    var generator = SplitMix64(seed: 2024)
    func draw(_ range: ClosedRange<Int>) -> Int { Int(generator.next() % UInt64(range.count)) + range.lowerBound }
    let n = Environment(dimensions: ["n": 3])
    var nonEmpty = 0
    for _ in 0..<200 {
      var nonNegative = [
        plus(i("i"), draw(0...3)), affine(draw(0...3), (i("i"), -1)),  // -3 <= i <= 3
        affine(draw(0...2), (i("j"), 1), (i("i"), -1)),  // j >= i - 2
        affine(draw(0...2), (i("i"), 1), (i("j"), -1), (d("n"), 1)),  // j <= i + n + 2
      ]
      var equal: [Affine] = []
      for _ in 0..<draw(0...2) {
        nonNegative.append(affine(draw(-3...3), (i("i"), draw(-3...3)), (i("j"), draw(-3...3)), (d("n"), draw(-1...1))))
      }
      if draw(0...3) == 0 { equal.append(affine(draw(-2...2), (i("i"), draw(1...2)), (i("j"), draw(-2...2)))) }
      let g = try Guard(nonNegative: nonNegative, equal: equal)
      let counted = try value(.sum(["i", "j"], g, q(1)), n)
      var expected = 0
      for a in -12...12 {
        for b in -12...12 {
          var point = n
          point.indices = ["i": a, "j": b]
          if try ExactEvaluator(point).holds(g) { expected += 1 }
        }
      }
      #expect(counted == r(expected), "guard \(g)")
      if expected > 0 { nonEmpty += 1 }
    }
    #expect(nonEmpty > 50)  // the sweep is not vacuous
  }
}
