import Evaluation
import Exact
import ProofKernel
import Testing

@Suite struct ErrorTests {
  let x = vector("x")

  @Test func missingValues() throws {
    #expect(throws: EvaluationError.missingDimension("n")) { try value(dim("n"), Environment()) }
    #expect(throws: EvaluationError.missingIndex("k")) {
      try value(at(x, i("k")), Environment(dimensions: ["n": 1], tensors: ["x": values(1)]))
    }
    #expect(throws: EvaluationError.missingTensor("x")) { try value(at(x, c(0)), Environment(dimensions: ["n": 1])) }
    #expect(throws: EvaluationError.missingNamedConstant("eps")) { try value(try .named("eps"), Environment()) }
    #expect(try value(try .named("eps"), Environment(named: ["eps": r(1, 1000)])) == r(1, 1000))
  }

  @Test func dimensionsAreAtLeastOne() {
    #expect(throws: EvaluationError.invalidDimension("n", value: 0)) {
      try value(dim("n"), Environment(dimensions: ["n": 0]))
    }
  }

  @Test func tensorValueMustHaveTheDeclaredShape() {
    let env = Environment(dimensions: ["n": 2], tensors: ["x": values(1, 2, 3)])
    #expect(throws: EvaluationError.shapeMismatch(tensor: "x", declared: [2], given: [3])) {
      try value(at(x, c(0)), env)
    }
    #expect(throws: EvaluationError.malformedTensorValue(shape: [2, 2], count: 3)) {
      try TensorValue(shape: [2, 2], values: [1, 2, 3])
    }
  }

  @Test func derivativesAreNotEvaluatedHere() throws {
    let dx = vector("dx")
    let env = Environment(dimensions: ["n": 1], tensors: ["x": values(1), "dx": values(1)])
    #expect(throws: EvaluationError.unsupported("D")) { try value(try .derivative(at(x, c(0)), x, along: dx), env) }
    let grad = try Term.vjp(sum("i", d("n"), at(x, i("i"))), binders: [], shape: [], wrt: x, seed: nil, at: [c(0)])
    #expect(throws: EvaluationError.unsupported("vjp")) { try value(grad, env) }
  }

  @Test func aZeroFactorAbsorbsAnUndefinedOne() throws {
    // [k < n] * 0^-1 is 0 outside the guard, undefined inside; the order of factors does not matter.
    let inside = Term.bracket(axis("k", d("n")))
    let env = Environment(dimensions: ["n": 2], indices: ["k": 5])
    #expect(try value(inside * pow(q(0), -1), env) == r(0))
    #expect(try value(pow(q(0), -1) * inside, env) == r(0))
    var within = env
    within.indices["k"] = 1
    #expect(throws: EvaluationError.undefined("(0)^(-1): a negative power of 0")) {
      try value(pow(q(0), -1) * inside, within)
    }
    // A missing value is not absorbed: it is a mistake in the environment, not a point of the term.
    #expect(throws: EvaluationError.missingTensor("x")) { try value(at(x, c(0)) * q(0), env) }
  }

  @Test func descriptionsNameWhatFailed() {
    let cases: [(EvaluationError, String)] = [
      (.missingDimension("n"), "no value for the dimension n"),
      (.invalidDimension("n", value: 0), "the dimension n = 0 must be at least 1"),
      (.missingIndex("k"), "no value for the free index k"),
      (.missingTensor("W"), "no value for the tensor W"),
      (.missingNamedConstant("pi"), "no value for the named constant pi"),
      (.shapeMismatch(tensor: "W", declared: [2, 3], given: [3, 2]),
       "the tensor W has shape [2, 3] at these dimensions, but its value has shape [3, 2]"),
      (.malformedTensorValue(shape: [2], count: 3), "a tensor value of shape [2] cannot hold 3 entries"),
      (.conflictingShapes(tensor: "x", shapes: ["[n]", "[m]"]),
       "the tensor x occurs with different shapes: [n] and [m]"),
      (.notExact("(2)^(1/2) is irrational"), "not an exact rational: (2)^(1/2) is irrational"),
      (.undefined("log(0)"), "undefined: log(0)"),
      (.unsupported("D"), "not supported by exact evaluation: D"),
      (.overflow("2*i"), "integer overflow in 2*i"),
    ]
    for (error, text) in cases { #expect(error.description == text) }
  }

  @Test func indexOverflowIsAnError() {
    let env = Environment(dimensions: ["n": 1], indices: ["k": Int.max], tensors: ["x": values(1)])
    #expect(throws: EvaluationError.overflow("2*k")) { try value(at(x, affine(0, (i("k"), 2))), env) }
  }
}
