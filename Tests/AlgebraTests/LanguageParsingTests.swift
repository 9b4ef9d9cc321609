import Exact
import ProofKernel
import Testing
@testable import Algebra

/// Each construct of the theorem language parses to the term the kernel's constructors build.
@Suite("Theorem language: parsing constructs")
struct LanguageParsingTests {
  typealias F = LanguageFixtures
  let i = F.index("i"), j = F.index("j"), k = F.index("k"), l = F.index("l")
  let n = F.dimension("n"), m = F.dimension("m")

  @Test func numbersAreExact() throws {
    #expect(try F.parse("3") == F.q(3))
    #expect(try F.parse("0.1") == F.q(1, 10))
    #expect(try F.parse("1.25") == F.q(5, 4))
    #expect(try F.parse("-3") == F.q(-3))
    #expect(try F.parse("2 / 3") == F.q(2, 3))
    #expect(try F.parse("-1/2") == F.q(-1, 2))
    #expect(try F.parse("123456789012345678901234567890") == .constant(try Rational(parsing: "123456789012345678901234567890")))
  }

  @Test func subtractionAndNegation() throws {
    let (xi, yj) = (F.at("x", i), F.at("y", j))
    #expect(try F.parse("x[i] - y[j]") == .add([xi, F.negate(yj)]))
    #expect(try F.parse("x[i] - y[j] - 3") == .add([xi, F.negate(yj), F.q(-3)]))
    #expect(try F.parse("x[i] - 2 * y[j]") == .add([xi, .mul([F.q(-1), F.q(2), yj])]))
    #expect(try F.parse("-x[i]") == F.negate(xi))
    #expect(try F.parse("-x[i] * y[j]") == .mul([F.q(-1), xi, yj]))
    #expect(try F.parse("-x[i] ^ 2") == F.negate(.power(xi, Rational(2))))
    #expect(try F.parse("(-1) * x[i]") == F.negate(xi))
    #expect(try F.parse("x[i] * -y[j]") == .mul([xi, F.negate(yj)]))
  }

  @Test func divisionAndPrecedence() throws {
    let (xi, xj) = (F.at("x", i), F.at("x", j))
    let nTerm = try Term.dimension("n")
    #expect(try F.parse("x[i] / 2") == .mul([F.q(1, 2), xi]))
    #expect(try F.parse("3 * x[i] / 2") == .mul([F.q(3, 2), xi]))
    #expect(try F.parse("x[i] / n") == .mul([xi, .power(nTerm, Rational(-1))]))
    #expect(try F.parse("1 / n") == .power(nTerm, Rational(-1)))
    #expect(try F.parse("x[i] + 2 * x[j] ^ 2") == .add([xi, .mul([F.q(2), .power(xj, Rational(2))])]))
    #expect(try F.parse("x[i] * x[j] * s") == .mul([xi, xj, F.at("s")]))
    #expect(try F.parse("(x[i] + x[j]) + s") == .add([.add([xi, xj]), F.at("s")]))
    #expect(try F.parse("x[i] + (x[j] + s)") == .add([xi, .add([xj, F.at("s")])]))
    #expect(try F.parse("(x[i] * x[j]) * s") == .mul([.mul([xi, xj]), F.at("s")]))
  }

  @Test func rationalPowersAndSqrt() throws {
    let xi = F.at("x", i)
    #expect(try F.parse("x[i] ^ 2") == .power(xi, Rational(2)))
    #expect(try F.parse("x[i] ^ (-1)") == .power(xi, Rational(-1)))
    #expect(try F.parse("x[i] ^ -1") == .power(xi, Rational(-1)))
    #expect(try F.parse("x[i] ^ (1/2)") == .power(xi, Rational(1, 2)))
    #expect(try F.parse("x[i] ^ 0.5") == .power(xi, Rational(1, 2)))
    #expect(try F.parse("sqrt(x[i])") == .power(xi, Rational(1, 2)))
    #expect(try F.parse("(x[i] ^ 2) ^ 3") == .power(.power(xi, Rational(2)), Rational(3)))
  }

  @Test func names() throws {
    #expect(try F.parse("n") == .dimension("n"))
    #expect(try F.parse("eps") == .named("eps"))
    #expect(try F.parse("pi") == .named("pi"))
    #expect(try F.parse("s") == F.at("s"))
    #expect(try F.parse("s[]") == F.at("s"))
    #expect(try F.parse("g") == .reference(F.definition("g"), []))
    #expect(try F.parse("f[i + 1]") == .reference(F.definition("f"), [F.affine(1, [(.index("i"), 1)])]))
  }

  @Test func affineIndices() throws {
    #expect(try F.parse("x[2*i + j - 1]") == F.at("x", F.affine(-1, [(.index("i"), 2), (.index("j"), 1)])))
    #expect(try F.parse("x[n - 1 - i]") == F.at("x", F.affine(-1, [(.dimension("n"), 1), (.index("i"), -1)])))
    #expect(try F.parse("A[i, j * 3]") == F.at("A", i, F.affine(0, [(.index("j"), 3)])))
    #expect(try F.parse("x[-(i - n)]") == F.at("x", F.affine(0, [(.dimension("n"), 1), (.index("i"), -1)])))
    #expect(try F.parse("x[(i + 1) * 2]") == F.at("x", F.affine(2, [(.index("i"), 2)])))
  }

  @Test func sums() throws {
    let body = Term.mul([F.at("A", k, j), F.at("x", k)])
    #expect(try F.parse("sum(k: n) A[k, j] * x[k] + y[j]") == .add([F.sum("k", "n", body), F.at("y", j)]))
    #expect(try F.parse("2 * sum(k: n) A[k, j] * x[k]") == .mul([F.q(2), F.sum("k", "n", body)]))
    let ranges = try F.axis("k", "n").and(F.axis("l", "m"))
    let triangle = try ranges.and(Guard(nonNegative: [l.plus(k.scaled(by: -1)).plus(.constant(-1))]))
    #expect(try F.parse("sum(k: n, l: m | k < l) A[k, l]") == .sum(["k", "l"], triangle, F.at("A", k, l)))
    #expect(try F.parse("sum(k: n, l: m | k < l and 0 <= k) A[k, l]") == .sum(["k", "l"], triangle, F.at("A", k, l)))
    // The kernel's general form: binders without ranges, all bounds after `|`.
    let general = "sum(k, l | k >= 0 and n - k - 1 >= 0 and l >= 0 and m - l - 1 >= 0) A[k, l]"
    #expect(try F.parse(general) == .sum(["k", "l"], ranges, F.at("A", k, l)))
    #expect(try F.parse("sum(k, l | 0 <= k < n, 0 <= l < m) A[k, l]") == .sum(["k", "l"], ranges, F.at("A", k, l)))
  }

  @Test func bracketsAndDelta() throws {
    #expect(try F.parse("[0 <= i < n]") == .bracket(F.axis("i", "n")))
    let g = try Guard(nonNegative: [i.plus(.constant(-1))], equal: [i.plus(j.scaled(by: -1))])
    #expect(try F.parse("[i == j and i > 0]") == .bracket(g))
    #expect(try F.parse("[i = j, i >= 1]") == .bracket(g))
    #expect(try F.parse("delta(i, j)") == .bracket(try Guard(equal: [i.plus(j.scaled(by: -1))])))
    #expect(try F.parse("delta(i, j + 1)") == .bracket(try Guard(equal: [i.plus(j.scaled(by: -1)).plus(.constant(-1))])))
    #expect(try F.parse("[true]") == .one)
    #expect(try F.parse("[i < i]") == .zero)
  }

  @Test func functions() throws {
    for f in ScalarFunction.allCases {
      #expect(try F.parse("\(f.rawValue)(x[i] + 1)") == .apply(f, .add([F.at("x", i), F.q(1)])))
    }
  }

  /// `max`, `min`, `abs` are written with `relu`, so their kink is the relu's (`a - b != 0`).
  @Test func maxMinAndAbsAreRelu() throws {
    let (xi, yj) = (F.at("x", i), F.at("y", j))
    let difference = Term.add([xi, F.negate(yj)])
    #expect(try F.parse("max(x[i], y[j])") == .add([yj, .apply(.relu, difference)]))
    #expect(try F.parse("min(x[i], y[j])") == .add([xi, F.negate(.apply(.relu, difference))]))
    #expect(try F.parse("abs(x[i])") == .add([.apply(.relu, xi), .apply(.relu, F.negate(xi))]))
    #expect(try F.parse("abs(x[i] - y[j])") == .add([.apply(.relu, difference), .apply(.relu, F.negate(difference))]))
    #expect(try F.parse("max(x[i], max(x[i], y[j]))") == .add([.add([yj, .apply(.relu, difference)]),
      .apply(.relu, .add([xi, F.negate(.add([yj, .apply(.relu, difference)]))]))]))
  }

  @Test func gradVjpAndDerivative() throws {
    let (x, dy, dx, A) = (F.tensor("x"), F.tensor("dy"), F.tensor("dx"), F.tensor("A"))
    let g = try Term.reference(F.definition("g"), [])
    #expect(try F.parse("grad(g, x)[i]") == .vjp(g, binders: [], shape: [], wrt: x, seed: nil, at: [i]))
    let output = F.sum("k", "n", .mul([F.at("A", k, F.index("o")), F.at("x", k)]))
    let v = try Term.vjp(output, binders: ["o"], shape: [m], wrt: x, seed: dy, at: [i])
    #expect(try F.parse("vjp(o: m -> sum(k: n) A[k, o] * x[k], x, dy)[i]") == v)
    let both = try Term.vjp(F.at("A", F.index("o"), F.index("p")), binders: ["o", "p"], shape: [n, m], wrt: A, seed: A, at: [i, j])
    #expect(try F.parse("vjp(o: n, p: m -> A[o, p], A, A)[i, j]") == both)
    #expect(try F.parse("vjp(o, p: n, m -> A[o, p], A, A)[i, j]") == both)  // the kernel's form
    let d = try Term.derivative(.mul([F.at("x", i), F.at("x", i)]), x, along: dx)
    #expect(try F.parse("D(x[i] * x[i])[x := dx]") == d)
  }

  @Test func formulas() throws {
    func formulas(_ text: String) throws -> [Proposition] {
      try TheoremLanguage.parseFormulas(text, in: F.document, indices: ["i", "j"])
    }
    let (xi, yj) = (F.at("x", i), F.at("y", j))
    #expect(try formulas("forall k: n. x[k] != 0") == [try .quantified(["k"], F.axis("k", "n"), .nonZero(F.at("x", k)))])
    #expect(try formulas("x[i] != y[j]") == [.nonZero(.add([xi, F.negate(yj)]))])
    #expect(try formulas("x[i] > y[j]") == [.positive(.add([xi, F.negate(yj)]))])
    #expect(try formulas("x[i] > 0") == [.positive(xi)])
    #expect(try formulas("0 < x[i]") == [.positive(xi)])
    #expect(try formulas("x[i] < 1") == [.positive(.add([F.q(1), F.negate(xi)]))])
    #expect(try formulas("x[i] = 2") == [.equal(xi, F.q(2))])
    #expect(try formulas("n = 3") == [.equal(try .dimension("n"), F.q(3))])
    #expect(try formulas("i < n") == [.holds(try Guard(nonNegative: [n.plus(i.scaled(by: -1)).plus(.constant(-1))]))])
    #expect(try formulas("i = j") == [.holds(try Guard(equal: [i.plus(j.scaled(by: -1))]))])
    let both = try F.axis("i", "n").and(F.axis("j", "m"))
    #expect(try formulas("x[i] != 0 and 0 <= i < n and 0 <= j < m") == [.nonZero(xi), .holds(both)])
    #expect(try formulas("true") == [.holds(.true)])
    let sumOne = Proposition.equal(F.sum("k", "n", F.at("x", k)), F.q(1))
    #expect(try formulas("sum(k: n) x[k] = 1") == [sumOne])
  }
}
