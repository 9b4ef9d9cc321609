import Evaluation
import Exact
import ProofKernel
import Testing

@Suite struct FormulaTests {
  let x = vector("x")
  var env: Environment { Environment(dimensions: ["n": 3], indices: ["k": 1], tensors: ["x": values(1, r(1, 2), -2)]) }

  @Test func comparisons() throws {
    #expect(try holds(.equal(sum("i", d("n"), at(x, i("i"))), q(-1, 2)), env))
    #expect(try !holds(.equal(at(x, i("k")), q(1)), env))
    #expect(try holds(.nonZero(at(x, i("k"))), env))
    #expect(try !holds(.nonZero(at(x, c(5))), env))
    #expect(try holds(.positive(at(x, i("k"))), env))
    #expect(try !holds(.positive(at(x, c(2))), env))
  }

  @Test func guardAtTheFreeIndices() throws {
    #expect(try holds(.holds(axis("k", d("n"))), env))
    var outside = env
    outside.indices["k"] = 3
    #expect(try !holds(.holds(axis("k", d("n"))), outside))
    #expect(try !holds(.holds(.false), env))
  }

  @Test func forAllEnumeratesItsGuard() throws {
    // forall i: n. x[i] != 0 holds; forall i: n. x[i] > 0 fails at i = 2.
    #expect(try holds(.forAll(["i"], axis("i", d("n")), .nonZero(at(x, i("i")))), env))
    #expect(try !holds(.forAll(["i"], axis("i", d("n")), .positive(at(x, i("i")))), env))
    // forall i | 0 <= i <= k. x[i] > 0 holds at k = 1, not at k = 2.
    let upToK = try Proposition.quantified(["i"], .range("i", from: c(0), through: i("k")), .positive(at(x, i("i"))))
    #expect(try holds(upToK, env))
    var k2 = env
    k2.indices["k"] = 2
    #expect(try !holds(upToK, k2))
  }

  @Test func forAllOverNoPointsHolds() throws {
    let none = try Guard.range("i", from: c(1), through: c(0))
    #expect(try holds(.forAll(["i"], none, .positive(q(-1))), env))
    #expect(try holds(.forAll(["i"], .false, .positive(q(-1))), env))
  }

  @Test func forAllOverAnUnboundedGuardIsUnsupported() {
    let unbounded = try! Guard(nonNegative: [i("i")])
    #expect(throws: EvaluationError.unsupported("indices over a guard that does not bound i")) {
      try holds(.forAll(["i"], unbounded, .positive(q(1))), env)
    }
  }
}
