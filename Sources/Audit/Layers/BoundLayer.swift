import Exact

/// A layer kind the robustness audit can bound: each kind brings its own exact meaning, its
/// interval transformer (IBP), its linear relaxation (CROWN's backward substitution) and, through
/// `FastBoundLayer`, its Float64 transformer with rounding-error terms. The audits look layers up
/// here and never switch on a layer's name; a layer without a transformer for a tier is refused by
/// name when the engine is built (`AuditError.unsupportedLayer`).
///
/// A layer maps a flat vector of `inputWidth` reals to `outputWidth` reals (an image's channels,
/// rows and columns flattened row-major, as the trainer stores them). The meaning is the exact
/// real-number function: the Float32 parameters are taken as exact values.
///
/// Conformances: `DenseLayer` (affine) and `ReLULayer` (elementwise), one file each for the
/// enclosure tiers (`Layers/`) and one for the Float64 tier (`Fast/`). Docs/Extending.md, "Adding a
/// layer to the audits", walks through a new one.
public protocol BoundLayer: Sendable {
  /// The kind, as errors and reports name it: `"dense"`, `"relu"`.
  var kind: String { get }
  var inputWidth: Int { get }
  var outputWidth: Int { get }
  /// True when the layer is affine: CROWN substitutes it without relaxation, so its input needs no
  /// bounds of its own. A non-affine layer's input bounds are computed (IBP, tightened by CROWN)
  /// before it is relaxed; `NetworkBounds.hiddenLower` holds them.
  var isAffine: Bool { get }

  /// True when the layer maps rationals to rationals, so `output(at:)` is its exact value. A batch
  /// norm folded from its statistics (`γ / √(v + ε)`) is not: it is known by enclosures only, and
  /// `LayerNetwork.logitEnclosures(at:)` evaluates networks holding one. True unless a kind says not.
  var isRational: Bool { get }

  /// True when CROWN need tighten this layer's input bounds only where they straddle 0 (a ReLU:
  /// elsewhere it is the identity or 0 on the box, whatever the bounds). False by default: every
  /// input is tightened.
  var tightensOnlyStraddlingZero: Bool { get }

  /// The layer's output at `input`, exactly.
  /// - Precondition: `isRational`.
  func output(at input: [Rational]) -> [Rational]

  /// The layer prepared for an enclosure arithmetic (its parameters converted once).
  func transformer<A: BoundArithmetic>(in arithmetic: A) -> any EnclosureTransformer<A>
}

extension BoundLayer {
  public var isRational: Bool { true }
  public var tightensOnlyStraddlingZero: Bool { false }
}

/// One layer's bound computations in an enclosure arithmetic (`BoundLayer.transformer(in:)`).
///
/// Both operations have the inclusion property: whatever reals the enclosures stand for, the exact
/// result is contained.
public protocol EnclosureTransformer<Arithmetic>: Sendable {
  associatedtype Arithmetic: BoundArithmetic

  /// IBP: an enclosure of the layer's output for every input in the box `input`.
  func propagate(_ input: [Arithmetic.Bound]) -> [Arithmetic.Bound]

  /// CROWN's backward step. On entry each row states `m(x) ≥ Λ_r · y + γ_r` with `y` this layer's
  /// output; on exit `m(x) ≥ Λ'_r · x + γ'_r` with `x` its input, for every `x` in the box `input`
  /// (a non-affine layer relaxes itself there, choosing each bound's side by the coefficient's
  /// sign). Rows become `inputWidth` wide.
  func substitute(_ rows: inout [[Arithmetic.Bound]], _ constants: inout [Arithmetic.Bound], input: [Arithmetic.Bound])
}
