import Evaluation
import Exact
import ProofKernel
import Testing

@Suite struct SamplerTests {
  let x = vector("x"), y = vector("y")

  @Test func splitMix64ReferenceOutputs() {
    var generator = SplitMix64(seed: 0)
    #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
    #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
    #expect(generator.next() == 0x06C4_5D18_8009_454F)
  }

  @Test func symbolsIncludeDefinitionBodies() throws {
    let w = try TensorSymbol("W", shape: [d("m"), d("n")])
    let hidden = try Definition("h", parameters: ["o"], shape: [d("m")],
      body: sum("i", d("n"), at(w, i("o"), i("i")) * at(x, i("i"))) * (try .named("eps")))
    let term = try Term.reference(hidden, [i("k")]) + at(y, i("j")) * pow(dim("p"), -1)
    let symbols = try Symbols([term], formulas: [.holds(axis("k", d("q")))])
    #expect(symbols.dimensions == ["m", "n", "p", "q"])
    #expect(symbols.indices == ["j", "k"])
    #expect(symbols.tensors == ["W": [d("m"), d("n")], "x": [d("n")], "y": [d("n")]])
    #expect(symbols.named == ["eps"])
  }

  @Test func conflictingShapesAreReported() {
    let other = vector("x", "m")
    #expect(throws: EvaluationError.conflictingShapes(tensor: "x", shapes: ["[n]", "[m]"])) {
      try Symbols([at(x, c(0)) + at(other, c(0))])
    }
  }

  @Test func samplingIsDeterministicAndWithinRanges() throws {
    let w = try TensorSymbol("W", shape: [d("m"), d("n")])
    let term = sum("i", d("n"), at(w, i("o"), i("i")) * at(x, i("i"))) + (try .named("pi"))
    let sampler = EnvironmentSampler()
    let env = try sampler.environment(for: [term], seed: 5)
    #expect(try sampler.environment(for: [term], seed: 5) == env)
    #expect(try (0..<8).contains { try sampler.environment(for: [term], seed: $0) != env })
    #expect(Set(env.dimensions.keys) == ["m", "n"])
    #expect(env.dimensions.values.allSatisfy { (1...4).contains($0) })
    #expect(env.indices.keys.sorted() == ["o"])
    #expect(env.tensors["W"]?.shape == [env.dimensions["m"]!, env.dimensions["n"]!])
    for entry in env.tensors.values.flatMap(\.values) {
      #expect(entry.denominator <= Integer(4) && entry.numerator.magnitude <= Integer(5))
    }
    #expect(env.named["pi"]!.signum > 0)
    #expect(env.uninterpretedFunctions)
    _ = try value(term, env)  // everything the term needs is there
  }

  @Test func identitiesHoldAtSampledPoints() throws {
    // sum(i: n) (x[i] + y[i]) = sum(i: n) x[i] + sum(j: n) y[j], and relu(a) - relu(-a) = a.
    let lhs = sum("i", d("n"), at(x, i("i")) + at(y, i("i")))
    let rhs = sum("i", d("n"), at(x, i("i"))) + sum("j", d("n"), at(y, i("j")))
    let a = at(x, i("k"))
    let relu = apply(.relu, a) + q(-1) * apply(.relu, q(-1) * a)
    let sampler = EnvironmentSampler(indices: -1...4)
    for seed in 0..<50 as Range<UInt64> {
      let env = try sampler.environment(for: [lhs, rhs, relu], seed: seed)
      var evaluator = ExactEvaluator(env)
      #expect(try evaluator.value(of: lhs) == evaluator.value(of: rhs))
      #expect(try evaluator.value(of: relu) == evaluator.value(of: a))
    }
  }

  @Test func aFalseIdentityIsCaught() throws {
    // sum(i: n) x[i]^2 = (sum(i: n) x[i])^2 fails at some sampled point.
    let lhs = sum("i", d("n"), pow(at(x, i("i")), 2))
    let rhs = pow(sum("i", d("n"), at(x, i("i"))), 2)
    let counterexample = try (0..<20 as Range<UInt64>).contains { seed in
      let env = try EnvironmentSampler().environment(for: [lhs, rhs], seed: seed)
      return try value(lhs, env) != value(rhs, env)
    }
    #expect(counterexample)
  }
}
