@testable import Evaluation
import Exact
import ProofKernel
import Testing

/// The free indices the lowering reads at each subterm (`FreeIndexTree`, made in one walk) are
/// `Term.freeIndices`, node for node: its memo keys, and so the sharing of lowered terms, are
/// unchanged.
@Suite struct FreeIndexTreeTests {
  /// The subterms `Lowering` descends into, in its order.
  static func subterms(_ t: Term) -> [Term] {
    switch t.node {
    case .constant, .dimension, .named, .access, .bracket, .reference: return []
    case let .sum(_, _, body): return [body]
    case let .add(terms), let .mul(terms): return terms
    case let .power(base, _), let .apply(_, base), let .derivative(base, _, _): return [base]
    case let .vjp(v): return [v.output]
    }
  }

  /// Compares `tree` with `t` at every node; returns how many nodes it compared.
  static func compare(_ t: Term, _ tree: FreeIndexTree) -> Int {
    #expect(tree.names == t.freeIndices, "\(t)")
    let parts = subterms(t)
    #expect(tree.children.count == parts.count, "\(t)")
    return zip(parts, tree.children).reduce(1) { $0 + compare($1.0, $1.1) }
  }

  @Test func everySubtermHasItsFreeIndices() throws {
    let x = vector("x"), w = try TensorSymbol("w", shape: [d("n"), d("n")])
    let k = at(x, i("k")), guarded = try Term.sum(["j"], axis("j", d("n")).and(Guard(nonNegative: [minus(i("k"), i("j"))])), at(w, i("k"), i("j")))
    let terms: [Term] = [
      Layers.crossEntropy, Layers.crossEntropyGradient, Layers.meanSquaredError,
      k * guarded + apply(.exp, pow(k, 2)) * .bracket(axis("m", d("n"))),  // bound j, free k, a bracket's m
      vjp(Layers.dense, Layers.weights, Layers.upstream, at: "o", "i"),  // binders o, free o and i at the point
      derivative(k * sum("i", d("n"), at(x, i("i"))), x, along: Layers.dx),
      gradient(Layers.crossEntropy, Layers.logits, at: "k"),
      ref(Layers.y, "o") * q(2),
    ]
    var nodes = 0
    for t in terms { nodes += Self.compare(t, FreeIndexTree(t)) }
    #expect(nodes > 40)
  }
}
