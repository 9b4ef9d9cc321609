internal import ProofKernel

extension ChainProof {
  /// What the chain-rule proofs of several gradients of one model share (Docs/Engine.md, "One
  /// derivation per model"): one derivation, the names given out, each layer's adjoint identity
  /// (proved once, with the tensors that stand for its input and its direction, and the seed and
  /// indices of the layer below), and each cotangent recognised as a backward definition (the
  /// equation, by the engine's key of the term it rewrites). A gradient deeper in the model then
  /// costs its own bottom layer's proof and a few cheap steps (`chain`, `trans`, `cong`) per layer
  /// above it, instead of every layer above it normalized again.
  ///
  /// Untrusted like the rest of the engine: a step reused where it does not fit is refused by the
  /// kernel (`trans` and `cong` compare terms), so sharing can make a proof fail, never pass.
  final class Shared {
    let builder = ProofBuilder()
    /// Whether a failed comparison looks for a counterexample to the composed gradient
    /// (`refutation`): for a model, whose whole-network fallback takes minutes; not for one
    /// statement, whose fallback is its own normalization (the catalogue's layer rules paid 0.4 s
    /// in all for searches that found nothing).
    var refutes = false
    var taken: Set<String> = []
    /// The definitions whose names (and their bodies') are in `taken`, held so that their
    /// identifiers stay theirs.
    var named: [ObjectIdentifier: Definition] = [:]
    var counter = 0
    /// A layer's identity by the key of the layer as unfolded (before its input is abstracted),
    /// the definition below, the output indices and the seed.
    var layers: [String: Layer] = [:]
    /// `content = d[at]` proved, by the key of `content` and the indices read.
    var recognitions: [String: (definition: Definition, step: Int)] = [:]
    /// `[range] * d[e] = d[e]` proved for a pinned value read outside its known range, by the key
    /// of the bracketed read (`ChainProof.readingPinned`).
    var pinnedReads: [String: Int] = [:]
    /// Top-down (`ChainProof.runTopDown`), by the name of a value on the chain from the loss: the
    /// loss's identity with respect to it as a tensor, the seed of its layer (which names its
    /// cotangent's definition), and by that name `⊢ g[j] = da[j]` with its backward definition.
    var generic: [String: Int] = [:]
    var levelSeeds: [String: TensorSymbol] = [:]
    /// By a level seed's name, the value it is the cotangent of.
    var levelValues: [String: Definition] = [:]
    var cotangentEquations: [String: (step: Int, definition: Definition)] = [:]
    /// The names of those proved under the hypothesis of their range, proved again where read.
    var rangedCotangents: Set<String> = []
    /// By a level seed's name, the route that recognised its cotangent (tried first where it is
    /// proved again, at other indices).
    var cotangentRoutes: [String: ChainProof.CotangentRoute] = [:]
    /// By the kind of a level's value (`ChainProof.kind(of:)`), the shape of the route that
    /// recognised its cotangent last (tried first at the next level of that kind).
    var routeShapes: [String: ChainProof.RouteShape] = [:]
    /// By the engine's key of a cotangent equation, the comparisons with a candidate that failed
    /// before it was proved (each one normalization of the cotangent and the candidate).
    var failedComparisons: [String: Int] = [:]
    /// Whether a cotangent no backward definition names is written out where it is read (a model's
    /// statement writes an add's or a mean's contribution where it is read, `namingCotangents`);
    /// not for one statement of the catalogue, whose fallback is its own normalization.
    var writesOutUnnamed = true
    /// The cotangents found to have no backward definition (not tried again).
    var unnamedCotangents: Set<String> = []
    /// What each normalizer of the derivation leaves to the next (`ChainProof.normalizer()`): the
    /// bound names given out before, which each renamed apart again (a `change-of-variables`
    /// each), and the proofs of function arguments and power bases written as before.
    var normalized = Normalizer.Memo()
    /// Whether the normalizers share `normalized` (off only to measure what it saves).
    var sharesNormalization = true
    /// Normal forms by the term as written (`ChainProof.normalizing`): the step, its monomials and
    /// the written bases it recorded; how often one was used again; and whether they are kept
    /// (off only to measure what they save).
    var normalForms: [KeyCache.Shallow: (step: Int, monomials: [Monomial], writtenBases: [String: Term])] = [:]
    var normalFormsReused = 0
    var reusesNormalForms = true
    /// How many cotangent equations were proved again at other indices (`cotangentRead`), where
    /// instantiating the one proved at the cotangent's own indices did not apply.
    var cotangentsProvedAgain = 0

    struct Layer {
      let u: TensorSymbol, du: TensorSymbol, dv: TensorSymbol
      let js: [String]
      let outer: Int
    }

    init() {}
  }
}
