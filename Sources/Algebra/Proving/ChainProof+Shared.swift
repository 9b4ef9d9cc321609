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
    /// cotangent's definition), and by that name `⊢ g[j] = da[j]` with the backward definitions
    /// its right side is written with (`da` alone, or those above a cotangent not named).
    var generic: [String: Int] = [:]
    var levelSeeds: [String: TensorSymbol] = [:]
    var cotangentEquations: [String: (step: Int, definitions: [Definition])] = [:]
    /// The names of those proved under the hypothesis of their range, proved again where read.
    var rangedCotangents: Set<String> = []

    struct Layer {
      let u: TensorSymbol, du: TensorSymbol, dv: TensorSymbol
      let js: [String]
      let outer: Int
    }

    init() {}
  }
}
