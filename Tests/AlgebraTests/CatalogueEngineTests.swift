import Exact
import ProofKernel
import Testing
@testable import Algebra

/// TorchLean's MLP with MSE loss, built with kernel constructors: every gradient for all sizes.
struct MLP {
  let W1 = tensor("W1", "H", "I"), b1 = tensor("b1", "H"), W2 = tensor("W2", "O", "H"), b2 = tensor("b2", "O")
  let x = tensor("x", "I"), t = tensor("t", "O")
  let z1: Definition, a1: Definition, y: Definition, g: Definition
  let loss: Term
  let noKink: Proposition

  init() throws {
    z1 = try Definition("z1", parameters: ["h"], shape: [dm("H")],
                        body: plus(total("i", "I", times(try .access(W1, [ix("h"), ix("i")]), access(x, "i"))), access(b1, "h")))
    a1 = try Definition("a1", parameters: ["h"], shape: [dm("H")], body: .apply(.relu, try .reference(z1, [ix("h")])))
    y = try Definition("y", parameters: ["o"], shape: [dm("O")],
                       body: plus(total("h", "H", times(try .access(W2, [ix("o"), ix("h")]), try .reference(a1, [ix("h")]))), access(b2, "o")))
    g = try Definition("g", parameters: ["o"], shape: [dm("O")],
                       body: times(c(2), .power(dim("O"), Rational(-1)), minus(try .reference(y, [ix("o")]), access(t, "o"))))
    loss = times(.power(dim("O"), Rational(-1)), total("o", "O", .power(minus(try .reference(y, [ix("o")]), access(t, "o")), Rational(2))))
    noKink = try .quantified(["k"], .axis("k", size: dm("H")), .nonZero(try .reference(z1, [ix("k")])))
  }

  func ref(_ d: Definition, _ i: String) -> Term { try! .reference(d, [ix(i)]) }
  /// sum(o: O) W2[o, h] * g[o]
  var backHidden: Term { total("o", "O", times(try! .access(W2, [ix("o"), ix("h")]), ref(g, "o"))) }
}

@Suite("MLP catalogue (engine)")
struct CatalogueEngineTests {
  let mlp = try! MLP()

  func prove(_ s: Statement) -> ProofOutcome { Prover.prove(s) }

  @Test func outputLayerGradients() {
    let m = mlp
    let w2 = prove(statement("grad_W2", grad(m.loss, m.W2, at: "o", "h"), times(m.ref(m.g, "o"), m.ref(m.a1, "h")), indices: [range("o", "O"), range("h", "H")]))
    #expect(w2.proved, "\(w2.failure.map(String.init(describing:)) ?? "")")
    let b2 = prove(statement("grad_b2", grad(m.loss, m.b2, at: "o"), m.ref(m.g, "o"), indices: [range("o", "O")]))
    #expect(b2.proved, "\(b2.failure.map(String.init(describing:)) ?? "")")
  }

  @Test func hiddenLayerGradientsNeedNoKinkEverywhere() {
    let m = mlp
    let step = Term.apply(.step, m.ref(m.z1, "h"))
    let b1 = prove(statement("grad_b1", grad(m.loss, m.b1, at: "h"), times(step, m.backHidden), assume: [m.noKink], indices: [range("h", "H")]))
    #expect(b1.proved, "\(b1.failure.map(String.init(describing:)) ?? "")")
    let w1 = prove(statement("grad_W1", grad(m.loss, m.W1, at: "h", "i"), times(step, m.backHidden, access(m.x, "i")), assume: [m.noKink], indices: [range("h", "H"), range("i", "I")]))
    #expect(w1.proved, "\(w1.failure.map(String.init(describing:)) ?? "")")
    // Without the assumption: refused, naming it.
    let bare = prove(statement("grad_b1_bare", grad(m.loss, m.b1, at: "h"), times(step, m.backHidden), indices: [range("h", "H")]))
    #expect(!bare.proved)
    if case let .missingHypothesis(h)? = bare.failure { #expect(h.contains("!= 0")) } else { Issue.record("\(String(describing: bare.failure))") }
  }

  @Test func inputGradient() {
    let m = mlp
    let hidden = total("h", "H", times(try! .access(m.W1, [ix("h"), ix("i")]), .apply(.step, m.ref(m.z1, "h")), m.backHidden))
    let gx = prove(statement("grad_x", grad(m.loss, m.x, at: "i"), hidden, assume: [m.noKink], indices: [range("i", "I")]))
    #expect(gx.proved, "\(gx.failure.map(String.init(describing:)) ?? "")")
  }

  @Test func wrongRulesAreRefusedWithACounterexample() {
    let m = mlp
    // 1/O instead of 2/O.
    let half = Term.mul([c(1), .power(dim("O"), Rational(-1)), minus(m.ref(m.y, "o"), access(m.t, "o"))])
    let wrong = prove(statement("grad_b2_half", grad(m.loss, m.b2, at: "o"), half, indices: [range("o", "O")]))
    #expect(!wrong.proved)
    guard case let .different(_, _, counterexample, _)? = wrong.failure, let ce = counterexample else {
      Issue.record("no counterexample: \(String(describing: wrong.failure))"); return
    }
    guard case let .exact(l) = ce.lhs, case let .exact(r) = ce.rhs else { Issue.record("not exact: \(ce)"); return }
    #expect(l != r)
    // The bias term dropped from the output gradient of W2.
    let noBias = prove(statement("grad_W2_nobias", grad(m.loss, m.W2, at: "o", "h"), times(m.ref(m.a1, "h"), m.ref(m.a1, "h")), indices: [range("o", "O"), range("h", "H")]))
    #expect(!noBias.proved)
  }

  @Test func softmaxCrossEntropyUsesTheAssumptionAndNamesIt() throws {
    let z = tensor("z", "n"), t = tensor("t", "n")
    let s = total("j", "n", .apply(.exp, access(z, "j")))
    let loss = times(c(-1), total("i", "n", times(access(t, "i"), minus(access(z, "i"), .apply(.log, s)))))
    let softmax = times(.apply(.exp, access(z, "k")), .power(s, Rational(-1)))
    let sumT = Proposition.equal(total("i", "n", access(t, "i")), c(1))
    let rule = statement("softmax_ce", grad(loss, z, at: "k"), minus(softmax, access(t, "k")), assume: [sumT], indices: [range("k", "n")])
    let proved = prove(rule)
    #expect(proved.proved, "\(proved.failure.map(String.init(describing:)) ?? "")")
    var bare = rule
    bare.assumptions = []
    let refused = prove(bare)
    #expect(!refused.proved)
    guard case let .different(_, _, _, missing)? = refused.failure else { Issue.record("\(String(describing: refused.failure))"); return }
    #expect(missing?.contains("t[") == true && missing?.hasSuffix("= 1") == true, "\(String(describing: missing))")
  }
}
