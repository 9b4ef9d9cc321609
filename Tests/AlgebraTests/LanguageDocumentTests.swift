import Exact
import ProofKernel
import Testing
@testable import Algebra

/// Whole files: declarations, theorems with their hypotheses, and layers.
@Suite("Theorem language: documents")
struct LanguageDocumentTests {
  static let mlp = """
    # A two-layer perceptron with a mean-squared-error loss.
    dim I, H, O
    const eps                 # named real constants; pi is predefined
    tensor W1[H, I], b1[H], W2[O, H], b2[O], x[I], t[O]
    def z1[h: H] = sum(i: I) W1[h, i] * x[i] + b1[h]
    def a1[h: H] = relu(z1[h])
    def y[o: O]  = sum(h: H) W2[o, h] * a1[h] + b2[o]
    def g[o: O]  = (2 / O) * (y[o] - t[o])
    def loss     = (1 / O) * sum(o: O) (y[o] - t[o]) ^ 2

    theorem grad_W2_mse: grad(loss, W2)[o, h] = g[o] * a1[h]
    theorem grad_b1_mse: grad(loss, b1)[h] = step(z1[h]) * sum(o: O) W2[o, h] * g[o]
      assume forall k: H. z1[k] != 0

    dim n
    tensor u[n], v[n], r[n]
    theorem relu_self_adjoint: sum(i: n) step(r[i]) * u[i] * v[i] = sum(i: n) u[i] * (step(r[i]) * v[i])
    theorem shifted[j: n]: u[j] * 1 = u[j]          # free indices of an identity need declared ranges
    theorem smooth: sum(i: n) u[i] * u[i]
        + eps = (sum(i: n) u[i] ^ 2) + eps
      assume eps > 0; assume sum(i: n) u[i] = 1

    layer dense(I, O)
      input x[I]
      param W[O, I], b[O]
      output y[o: O] = sum(i: I) W[o, i] * x[i] + b[o]
      vjp x[i] = sum(o: O) W[o, i] * dy[o]
      vjp W[o, i] = dy[o] * x[i]
      vjp b[o] = dy[o]

    layer mse(n)
      input y[n], t[n]
      output L = (1 / n) * sum(i: n) (y[i] - t[i]) ^ 2    # scalar output: rules are gradients
      vjp y[i] = (2 / n) * (y[i] - t[i])

    layer activation(n)
      input z[n]
      output a[k: n] = relu(z[k])
      assume forall k: n. z[k] != 0
      vjp z[k] = step(z[k]) * dy[k]

    """

  let document: Document
  init() throws { document = try TheoremLanguage.parse(LanguageDocumentTests.mlp, file: "mlp.thm") }

  func ix(_ name: String) -> Affine { try! .index(name) }
  func dm(_ name: String) -> Affine { try! .dimension(name) }
  func tensor(_ name: String) -> TensorSymbol { document.tensors.first { $0.name == name }! }
  func definition(_ name: String) -> Definition { document.definitions.first { $0.name == name }! }
  func theorem(_ name: String) -> Statement { document.theorems.first { $0.name == name }! }

  @Test func declarations() throws {
    #expect(document.dimensions == ["I", "H", "O", "n"])
    #expect(document.constants == ["eps"])
    #expect(document.tensors.map(\.name) == ["W1", "b1", "W2", "b2", "x", "t", "u", "v", "r"])
    #expect(tensor("W1").shape == [dm("H"), dm("I")])
    #expect(document.definitions.map(\.name) == ["z1", "a1", "y", "g", "loss"])
    let z1 = definition("z1")
    #expect(z1.parameters == ["h"])
    #expect(z1.shape == [dm("H")])
    let product = Term.mul([try .access(tensor("W1"), [ix("h"), ix("i")]), try .access(tensor("x"), [ix("i")])])
    #expect(z1.body == .add([try .sum(["i"], .axis("i", size: dm("I")), product), try .access(tensor("b1"), [ix("h")])]))
    let error = Term.add([try .reference(definition("y"), [ix("o")]), .mul([.integer(-1), try .access(tensor("t"), [ix("o")])])])
    let O = try Term.dimension("O")
    #expect(definition("g").body == .mul([.mul([.integer(2), .power(O, Rational(-1))]), error]))
    #expect(definition("loss").body == .mul([.power(O, Rational(-1)), try .sum(["o"], .axis("o", size: dm("O")), .power(error, Rational(2)))]))
  }

  @Test func theoremsHaveTheirHypotheses() throws {
    let w2 = theorem("grad_W2_mse")
    #expect(w2.location == Algebra.SourceLocation(file: "mlp.thm", line: 11, column: 1))
    #expect(w2.lhs == (try .vjp(.reference(definition("loss"), []), binders: [], shape: [], wrt: tensor("W2"), seed: nil, at: [ix("o"), ix("h")])))
    #expect(w2.rhs == .mul([try .reference(definition("g"), [ix("o")]), try .reference(definition("a1"), [ix("h")])]))
    #expect(w2.indices.map(\.name) == ["o", "h"])
    #expect(try w2.hypotheses == [.holds(try Guard.axis("o", size: dm("O")).and(.axis("h", size: dm("H"))))])

    let b1 = theorem("grad_b1_mse")
    let z1k = try Term.reference(definition("z1"), [ix("k")])
    #expect(try b1.hypotheses == [try .quantified(["k"], .axis("k", size: dm("H")), .nonZero(z1k)), .holds(try .axis("h", size: dm("H")))])

    #expect(try theorem("relu_self_adjoint").hypotheses == [])
    #expect(theorem("shifted").indices.map(\.name) == ["j"])
    #expect(try theorem("shifted").hypotheses == [.holds(try .axis("j", size: dm("n")))])

    let smooth = theorem("smooth")  // a continued line, and two assumptions on one line
    #expect(smooth.assumptions.count == 2)
    #expect(smooth.assumptions[0] == .positive(try .named("eps")))
  }

  @Test func denseLayer() throws {
    let dense = document.layers[0]
    #expect(dense.name == "dense")
    #expect(dense.dimensions == ["I", "O"])
    #expect(dense.inputs.map(\.name) == ["x"])
    #expect(dense.parameters.map(\.name) == ["W", "b"])
    #expect(dense.output.name == "y")
    #expect(dense.output.parameters == ["o"])
    let dy = try TensorSymbol("dy", shape: [dm("O")])
    #expect(dense.seed == dy)
    #expect(dense.rules.map(\.name) == ["dense.x", "dense.W", "dense.b"])
    let W = dense.parameters[0]
    let rule = dense.rules[1]
    let lhs = try Term.vjp(.reference(dense.output, [ix("o")]), binders: ["o"], shape: [dm("O")], wrt: W, seed: dy, at: [ix("o"), ix("i")])
    #expect(rule.lhs == lhs)
    #expect(rule.lhs.description == "vjp(o: O -> y[o], W, dy)[o, i]")
    #expect(rule.rhs == .mul([try .access(dy, [ix("o")]), try .access(dense.inputs[0], [ix("i")])]))
    #expect(rule.indices.map(\.name) == ["o", "i"])
    #expect(rule.indices.map(\.size) == [dm("O"), dm("I")])
    #expect(document.statements.count == document.theorems.count + 5)
  }

  static let normalization = """
    dim n
    const eps
    layer centre(n)
      input x[n]
      def mu = (1 / n) * sum(j: n) x[j]
      def xc[i: n] = x[i] - mu
      output y[i: n] = xc[i] * eps
      def scaled[i: n] = eps * dy[i]
      vjp x[i] = scaled[i] - (1 / n) * sum(j: n) scaled[j]
    """

  /// `def` lines in a layer: local to it, usable by the output (before it) and the rules (after it,
  /// with `dy` in scope), and not visible outside it.
  @Test func localDefinitionsInALayer() throws {
    let document = try TheoremLanguage.parse(Self.normalization, file: "norm.thm")
    let layer = document.layers[0]
    #expect(document.layerDefinitions[layer.name]?.all.map(\.name) == ["mu", "xc", "scaled"])
    #expect(document.layerDefinitions[layer.name]?.beforeOutput.map(\.name) == ["mu", "xc"])
    #expect(document.definitions.isEmpty)
    #expect(TheoremLanguage.print(layer.output.body) == "xc[i] * eps")
    #expect(TheoremLanguage.print(layer.rules[0].rhs) == "scaled[i] - (1 / n) * (sum(j: n) scaled[j])"
      || TheoremLanguage.print(layer.rules[0].rhs).hasPrefix("scaled[i] - "))
    #expect(Prover.prove(layer.rules[0]).proved, "\(Prover.prove(layer.rules[0]))")
    #expect(throws: ParseError.self) { try TheoremLanguage.parse(Self.normalization + "theorem t: mu = 0\n", file: "norm.thm") }
    #expect(throws: ParseError.self) {
      try TheoremLanguage.parse("dim n\nlayer l(n)\n  input x[n]\n  def x = 1\n  output y = x\n", file: "dup.thm")
    }
  }

  @Test func scalarLayerRulesAreGradients() throws {
    let mse = document.layers[1]
    #expect(mse.seed == nil)
    let y = mse.inputs[0]
    #expect(y.shape == [dm("n")])
    #expect(mse.rules[0].lhs == (try .vjp(.reference(mse.output, []), binders: [], shape: [], wrt: y, seed: nil, at: [ix("i")])))
    #expect(mse.rules[0].lhs.description == "grad(L, y)[i]")
  }

  @Test func layerAssumptionsApplyToEveryRule() throws {
    let activation = document.layers[2]
    let z = activation.inputs[0]
    let condition = try Proposition.quantified(["k"], .axis("k", size: dm("n")), .nonZero(.access(z, [ix("k")])))
    #expect(activation.assumptions == [condition])
    #expect(activation.rules[0].assumptions == [condition])
    #expect(try activation.rules[0].hypotheses == [condition, .holds(try .axis("k", size: dm("n")))])
  }

  /// `;` puts a whole block on one line: the statements are those of the indented form, and a
  /// declaration after `;` stays a declaration.
  @Test func blocksFitOnOneLineWithSemicolons() throws {
    let spread = try TheoremLanguage.parse(
      "dim n\ntensor u[n]\nlayer sq(n)\n  input x[n]\n  assume forall k: n. x[k] != 0\n  output y[i: n] = x[i] * x[i]\n"
        + "theorem t: sum(i: n) u[i] = sum(j: n) u[j]\n  assume sum(i: n) u[i] = 1\n", file: "a.thm")
    let folded = try TheoremLanguage.parse(
      "dim n; tensor u[n]\nlayer sq(n); input x[n]; assume forall k: n. x[k] != 0; output y[i: n] = x[i] * x[i]\n"
        + "theorem t: sum(i: n) u[i] = sum(j: n) u[j]; assume sum(i: n) u[i] = 1\n", file: "b.thm")
    #expect(folded.dimensions == spread.dimensions && folded.tensors == spread.tensors)
    #expect(folded.layers.count == 1 && folded.theorems.count == 1)
    #expect(folded.statements.map(\.lhs) == spread.statements.map(\.lhs))
    #expect(folded.statements.map(\.rhs) == spread.statements.map(\.rhs))
    #expect(folded.statements.map(\.assumptions) == spread.statements.map(\.assumptions))
    // Outside a block, a block line after `;` is still refused.
    #expect(throws: ParseError.self) { try TheoremLanguage.parse("dim n; assume n > 0\n", file: "c.thm") }
  }

  @Test func printedStatementReadsLikeTheSource() throws {
    #expect(TheoremLanguage.print(theorem("grad_b1_mse")) == """
      theorem grad_b1_mse[h: H]: grad(loss, b1)[h] = step(z1[h]) * (sum(o: O) W2[o, h] * g[o])
        assume forall k: H. z1[k] != 0

      """)
    #expect(TheoremLanguage.print(definition("g").body) == "(2 * O ^ (-1)) * (y[o] - t[o])")
  }
}
