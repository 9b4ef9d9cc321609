import Evaluation
import Exact
import Intervals
import ProofKernel
import Testing

@Suite struct DualEvaluatorTests {
  let x = vector("x"), dx = vector("dx"), dy = vector("dy")
  var env: Environment {
    Environment(
      dimensions: ["n": 3], indices: ["j": 1],
      tensors: ["x": values(1, r(1, 2), -2), "dx": values(3, -1, r(1, 4)), "dy": values(2, 0, 5)])
  }
  var cubes: Term { sum("i", d("n"), pow(at(x, i("i")), 3)) }

  func exact(_ t: Term, _ environment: Environment? = nil) throws -> Rational {
    var evaluator = DualEvaluator<Rational>(environment ?? env)
    return try evaluator.value(of: t)
  }

  @Test func derivativeAlongADirectionTensor() throws {
    // D (sum x[i]^3) [x := dx] = 3 sum x[i]^2 dx[i] = 3 (3 - 1/4 + 1).
    #expect(try exact(derivative(cubes, x, along: dx)) == r(45, 4))
    var evaluator = DualEvaluator<Rational>(env)
    let both = try evaluator.dual(of: cubes, in: x, along: dx)
    #expect(both.value == r(-55, 8) && both.tangent == r(45, 4))
    // A term without x is a constant: its derivative is 0.
    #expect(try exact(derivative(at(dy, i("j")), x, along: dx)) == r(0))
  }

  @Test func gradientReadsOneEntry() throws {
    // grad(sum x^3, x)[j] = 3 x[j]^2; 0 outside the shape of x.
    for (j, expected) in [(0, r(3)), (1, r(3, 4)), (2, r(12)), (3, r(0)), (-1, r(0))] {
      var at = env
      at.indices["j"] = j
      #expect(try exact(gradient(cubes, x, at: "j"), at) == expected, "j = \(j)")
    }
  }

  @Test func vjpWeighsOutputsBySeed() throws {
    // y[o: n] = x[o]^2 * x[0]; vjp(y, x, dy)[j] = 2 x[j] x[0] dy[j] + [j == 0] sum(o) x[o]^2 dy[o].
    let y = define("y", [("o", "n")], pow(at(x, i("o")), 2) * at(x, c(0)))
    var at0 = env
    at0.indices["j"] = 0
    #expect(try exact(vjp(y, x, dy, at: "j"), at0) == r(4) + (r(2) + r(20)))
    #expect(try exact(vjp(y, x, dy, at: "j")) == r(0))  // dy[1] = 0
  }

  @Test func vjpOutsideTheShapeIsZeroWithoutEvaluating() throws {
    // log(x[o]) is undefined at x[2] = -2, but at j = 3 nothing is evaluated.
    let y = define("y", [("o", "n")], apply(.log, at(x, i("o"))))
    var outside = env
    outside.indices["j"] = 3
    #expect(try exact(vjp(y, x, dy, at: "j"), outside) == r(0))
    #expect(throws: EvaluationError.self) { try exact(vjp(y, x, dy, at: "j")) }
  }

  @Test func differentiabilityIsFrechet() throws {
    // sum relu(x[i]) with x[1] = 0 has no gradient, even in the direction e_0.
    var kink = env
    kink.tensors["x"] = values(1, 0, 2)
    kink.indices["j"] = 0
    let reluSum = sum("i", d("n"), apply(.relu, at(x, i("i"))))
    #expect(throws: EvaluationError.self) { try exact(gradient(reluSum, x, at: "j"), kink) }
    // relu at 0 of something that does not depend on x is a constant: no problem.
    let constantKink = apply(.relu, at(dy, c(1))) * at(x, c(0)) + at(x, c(0))
    #expect(try exact(gradient(constantKink, x, at: "j"), kink) == r(1))
  }

  @Test func productsHaveAStrongZero() throws {
    // [i < n] * x[i]^-1 at i = 3 is 0, though x[3]^-1 = 0^-1 is undefined; also under a derivative.
    let guarded = Term.bracket(axis("j", d("n"))) * pow(at(x, i("j")), -1)
    var outside = env
    outside.indices["j"] = 3
    #expect(try exact(guarded, outside) == r(0))
    #expect(try exact(derivative(guarded, x, along: dx), outside) == r(0))
    // D x[j]^-1 = -x[j]^-2 dx[j].
    #expect(try exact(derivative(guarded, x, along: dx)) == r(4))
  }

  @Test func nestedDerivativesAreUnsupported() {
    let inner = derivative(cubes, x, along: dx)
    #expect(throws: EvaluationError.unsupported("a derivative inside a derivative")) {
      try exact(derivative(inner, x, along: dy))
    }
  }

  @Test func piIsPi() throws {
    var withPi = env
    withPi.named["pi"] = r(3)  // ignored
    let pi = try Term.named("pi")
    #expect(throws: EvaluationError.notExact("pi is irrational")) { try exact(pi, withPi) }
    var enclosing = DualEvaluator<Interval>(withPi, precision: 256)
    let value = try enclosing.value(of: pi)
    let scale = 100_000_000_000_000
    #expect(value.lower > r(314_159_265_358_979, scale) && value.upper < r(314_159_265_358_980, scale))
    #expect(value.width < r(1, 1 << 62))
  }

  @Test func functionsTakeTrueValuesOnly() {
    // An environment asking for uninterpreted functions does not change this evaluator.
    var uninterpreted = env
    uninterpreted.uninterpretedFunctions = true
    #expect(throws: EvaluationError.self) { try exact(apply(.exp, at(x, c(0))), uninterpreted) }
  }

  @Test func definitionsAreMemoizedUnderADerivative() throws {
    // e0 = x[0], e(k+1) = e(k) + e(k): naively 2^60 steps; D e60 [x := dx] = 2^60 dx[0].
    var previous = try Definition("e0", parameters: [], shape: [], body: at(x, c(0)))
    for k in 1...60 {
      let ref = try Term.reference(previous, [])
      previous = try Definition("e\(k)", parameters: [], shape: [], body: ref + ref)
    }
    let top = try Term.reference(previous, [])
    #expect(try exact(derivative(top, x, along: dx)) == r(3) * r(2).power(UInt(60)))
    #expect(try exact(gradient(top, x, at: "j")) == r(0))
  }

  @Test func formulasAreDecidedOnlyWhenEnclosuresDecide() throws {
    var enclosing = DualEvaluator<Interval>(env, precision: 256)
    let e = apply(.exp, at(x, c(1)))
    #expect(try enclosing.decide(.positive(e - q(1))) == true)
    #expect(try enclosing.decide(.equal(e, q(1))) == false)
    #expect(try enclosing.decide(.equal(e, e)) == nil)  // overlapping enclosures prove nothing
    #expect(try enclosing.decide(forall("k", "n", .nonZero(apply(.tanh, at(x, i("k")))))) == true)
    var exact = DualEvaluator<Rational>(env)
    #expect(try exact.decide(.equal(derivative(cubes, x, along: dx), q(45, 4))) == true)
  }
}
