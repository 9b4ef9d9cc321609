import Exact
import ProofKernel
import Testing
@testable import Algebra

@Suite("Derive")
struct DeriveTests {
  func layer(_ name: String, _ output: Definition, seed: TensorSymbol?, dims: [String]) -> LayerDeclaration {
    LayerDeclaration(name: name, location: Algebra.SourceLocation(file: "test", line: 1, column: 1), dimensions: dims, inputs: [], parameters: [],
          output: output, seed: seed, assumptions: [], rules: [])
  }

  @Test func denseRulesAreReadOffAndProved() throws {
    let W = tensor("W", "O", "I"), b = tensor("b", "O"), x = tensor("x", "I"), dy = tensor("dy", "O")
    let y = try Definition("y", parameters: ["o"], shape: [dm("O")], body: plus(total("i", "I", times(try .access(W, [ix("o"), ix("i")]), access(x, "i"))), access(b, "o")))
    let dense = layer("dense", y, seed: dy, dims: ["I", "O"])
    for (t, expected) in [(x, "vjp x[i] = sum(o: O) W[o, i] * dy[o]"), (W, "vjp W[i, j] = dy[i] * x[j]"), (b, "vjp b[i] = dy[i]")] {
      let rule = try Deriver.derive(dense, wrt: t)
      #expect(rule.outcome.proved, "\(rule.text): \(String(describing: rule.outcome.failure))")
      #expect(rule.text == expected)
    }
  }

  @Test func convolutionInputGradientIsATransposedConvolution() throws {
    let conv = ConvolutionEngineTests()
    let rule = try Deriver.derive(layer("conv", conv.y, seed: conv.dy, dims: ["C", "N", "D", "K", "M", "P"]), wrt: conv.x)
    #expect(rule.outcome.proved, "\(rule.text): \(String(describing: rule.outcome.failure))")
    // Equivalent to the stated rule: both have the same normal form.
    let stated = conv.rule("conv.x", conv.x, at: ["c", "h"], conv.inputGradient())
    let derivedAsStated = statement("same", try rule.statement.rhs.substituting(["i": ix("c"), "j": ix("h")]), stated.rhs, indices: stated.indices)
    let same = Prover.prove(derivedAsStated)
    #expect(same.proved, "\(rule.text)")
  }

  @Test func scalarLossGivesAGradient() throws {
    let yv = tensor("y", "n"), t = tensor("t", "n")
    let loss = try Definition("L", parameters: [], shape: [], body: times(.power(dim("n"), Rational(-1)), total("i", "n", .power(minus(access(yv, "i"), access(t, "i")), Rational(2)))))
    let rule = try Deriver.derive(layer("mse", loss, seed: nil, dims: ["n"]), wrt: yv)
    #expect(rule.outcome.proved, "\(rule.text)")
    #expect(rule.text.hasPrefix("vjp y[i] = "))
  }

  /// A param read at a constant index (`b[0]`), an input read at a stride (`x[2 * i]`) and on a
  /// repeated index: the share of such a read carries the constraint that the rule's index equals
  /// it, and the rule is proved.
  @Test func readsAtConstantsAndStridesGiveConstraints() throws {
    let document = try TheoremLanguage.parse("""
      layer shift(n)
        input x[n]
        param b[n]
        output y[i: n] = x[i] + b[0]
      layer pick(n)
        input x[n]
        output y = x[0] * x[1]
      layer subsample(n)
        input x[2 * n]
        output y[i: n] = x[2 * i] * x[2 * i + 1]
      layer trace(n)
        input A[n, n]
        output y = sum(i: n) A[i, i]
      """, file: "reads.thm")
    let expected = [
      "shift": "vjp b[i] = sum(o: n | i == 0) dy[o]",
      "pick": "vjp x[i] = [i == 0] * x[1] + [i - 1 == 0] * x[0]",
    ]
    for layer in document.layers {
      let x = layer.parameters.first ?? layer.inputs[0]
      let rule = try Deriver.derive(layer, wrt: x)
      #expect(rule.outcome.proved, "\(layer.name): \(rule.text): \(String(describing: rule.outcome.failure))")
      if let text = expected[layer.name] { #expect(rule.text == text) }
    }
  }
}
