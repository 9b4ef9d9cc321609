import Evaluation
import Exact
import ProofKernel
import Testing

@Suite struct FunctionTests {
  let exact = Environment()
  let uninterpreted = Environment(uninterpretedFunctions: true, functionSeed: 11)

  @Test func reluAndStep() throws {
    #expect(try value(apply(.relu, q(-2)), exact) == r(0))
    #expect(try value(apply(.relu, q(0)), exact) == r(0))
    #expect(try value(apply(.relu, q(3, 2)), exact) == r(3, 2))
    #expect(try value(apply(.step, q(-2)), exact) == r(0))
    #expect(try value(apply(.step, q(0)), exact) == r(0))  // the documented choice at 0
    #expect(try value(apply(.step, q(1, 100)), exact) == r(1))
  }

  @Test func transcendentalFunctionsAtTheirRationalPoints() throws {
    #expect(try value(apply(.exp, q(0)), exact) == r(1))
    #expect(try value(apply(.log, q(1)), exact) == r(0))
    #expect(try value(apply(.tanh, q(0)), exact) == r(0))
    #expect(try value(apply(.sigmoid, q(0)), exact) == r(1, 2))
    #expect(try value(apply(.erf, q(0)), exact) == r(0))
    #expect(try value(apply(.gelu, q(0)), exact) == r(0))
    // The same values when functions are otherwise uninterpreted.
    #expect(try value(apply(.exp, q(0)), uninterpreted) == r(1))
    #expect(try value(apply(.sigmoid, q(0)), uninterpreted) == r(1, 2))
  }

  @Test func transcendentalFunctionsElsewhereAreNotExact() {
    #expect(throws: EvaluationError.notExact("exp(1) is irrational (or not known to be rational)")) {
      try value(apply(.exp, q(1)), exact)
    }
    for f in [ScalarFunction.log, .tanh, .sigmoid, .erf, .gelu] {
      #expect(throws: EvaluationError.self) { try value(apply(f, q(2)), exact) }
    }
  }

  @Test func logOfANonPositiveNumberIsUndefinedEvenWhenUninterpreted() {
    #expect(throws: EvaluationError.undefined("log(0): log needs a positive argument")) {
      try value(apply(.log, q(0)), uninterpreted)
    }
    #expect(throws: EvaluationError.undefined("log(-1/2): log needs a positive argument")) {
      try value(apply(.log, q(-1, 2)), exact)
    }
  }

  @Test func uninterpretedValuesAreConsistent() throws {
    // The same argument gets the same value, however it is written and in any evaluator.
    let a = try value(apply(.exp, q(1, 2)), uninterpreted)
    let b = try value(apply(.exp, q(2, 4) + q(0)), uninterpreted)
    #expect(a == b)
    #expect(try value(apply(.exp, q(1, 2)) + q(-1) * apply(.exp, q(1, 2)), uninterpreted) == r(0))
    // Different functions, arguments and seeds give different values.
    #expect(try value(apply(.exp, q(1, 3)), uninterpreted) != a)
    #expect(try value(apply(.tanh, q(1, 2)), uninterpreted) != a)
    var reseeded = uninterpreted
    reseeded.functionSeed = 12
    #expect(try value(apply(.exp, q(1, 2)), reseeded) != a)
  }

  @Test func uninterpretedValuesKeepRangeAndSign() throws {
    for k in -6...6 where k != 0 {
      let a = q(k, 3)
      let positive = k > 0
      let exp = try value(apply(.exp, a), uninterpreted)
      #expect(exp > r(0) && (exp > r(1)) == positive)
      let sigmoid = try value(apply(.sigmoid, a), uninterpreted)
      #expect(sigmoid > r(0) && sigmoid < r(1) && (sigmoid > r(1, 2)) == positive)
      for f in [ScalarFunction.tanh, .erf] {
        let v = try value(apply(f, a), uninterpreted)
        #expect(v > r(-1) && v < r(1) && (v > r(0)) == positive)
      }
      #expect(try (value(apply(.gelu, a), uninterpreted) > r(0)) == positive)
      if positive {
        #expect(try (value(apply(.log, a), uninterpreted) > r(0)) == (k > 3))
      }
    }
  }
}
