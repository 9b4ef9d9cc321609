import Evaluation
import Exact
import ProofKernel
import Testing

@Suite struct DefinitionTests {
  let x = vector("x")
  var env: Environment { Environment(dimensions: ["n": 3], tensors: ["x": values(1, r(1, 2), -2)]) }

  @Test func referenceBindsParametersToArguments() throws {
    // def square[k: n] = x[k] * x[k]; sum(i: n) square[i] = 1 + 1/4 + 4.
    let square = try Definition("square", parameters: ["k"], shape: [d("n")], body: at(x, i("k")) * at(x, i("k")))
    #expect(try value(sum("i", d("n"), try .reference(square, [i("i")])), env) == r(21, 4))
    // An argument expression: square[n - 1 - i] at i = 0 is x[2]^2.
    var at0 = env
    at0.indices["i"] = 0
    #expect(try value(try .reference(square, [minus(plus(d("n"), -1), i("i"))]), at0) == r(4))
  }

  @Test func definitionsReferToDefinitions() throws {
    // def total = sum(i: n) x[i]; def centered[k: n] = x[k] - total / n; sum(k: n) centered[k] = 0.
    let total = try Definition("total", parameters: [], shape: [], body: sum("i", d("n"), at(x, i("i"))))
    let centered = try Definition("centered", parameters: ["k"], shape: [d("n")],
      body: at(x, i("k")) + q(-1) * (try .reference(total, [])) * pow(dim("n"), -1))
    #expect(try value(try .reference(total, []), env) == r(-1, 2))
    #expect(try value(sum("k", d("n"), try .reference(centered, [i("k")])), env) == r(0))
  }

  @Test func referenceOutsideTheShapeIsTheBody() throws {
    // As the kernel's `unfold` says: no zero extension for definitions.
    let one = try Definition("one", parameters: ["k"], shape: [d("n")], body: q(1))
    #expect(try value(try .reference(one, [c(10)]), env) == r(1))
  }

  @Test func valuesOfDefinitionsAreMemoized() throws {
    // d0 = x[0], d(k+1) = d(k) + d(k): evaluated naively, d60 takes 2^60 steps.
    var previous = try Definition("d0", parameters: [], shape: [], body: at(x, c(0)))
    for k in 1...60 {
      let ref = try Term.reference(previous, [])
      previous = try Definition("d\(k)", parameters: [], shape: [], body: ref + ref)
    }
    #expect(try value(try .reference(previous, []), env) == r(2).power(UInt(60)))
  }

  @Test func sameNameDifferentBodiesAreNotConfused() throws {
    // Two definitions named alike are different objects: the memo keys on identity.
    let a = try Definition("f", parameters: [], shape: [], body: q(1))
    let b = try Definition("f", parameters: [], shape: [], body: q(2))
    var evaluator = ExactEvaluator(env)
    #expect(try evaluator.value(of: .reference(a, [])) == r(1))
    #expect(try evaluator.value(of: .reference(b, [])) == r(2))
  }
}
