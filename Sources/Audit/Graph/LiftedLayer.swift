import Exact

/// A layer applied to the first `inner.inputWidth` entries of a longer vector, the other
/// `passthrough` entries copied unchanged: how a graph-shaped model (residual `add`, fan-out) runs
/// as a chain of bound layers (`GraphLowering`). The vector holds the current value first, then
/// every value a later layer still reads; the identity on those is exact in every tier, so the
/// chain bounds the graph exactly as a DAG engine would: CROWN's coefficients of a carried value
/// pass through unchanged until the `add` that reads it, where they meet the other operand's.
///
/// `[x; s] ↦ [f(x); s]`.
public struct LiftedLayer: Sendable {
  /// The layer applied to the front of the vector.
  public let inner: any BoundLayer
  /// The number of entries carried unchanged behind it.
  public let passthrough: Int

  public init(_ inner: any BoundLayer, passthrough: Int) {
    precondition(passthrough > 0, "LiftedLayer: nothing to carry; use the layer itself")
    self.inner = inner
    self.passthrough = passthrough
  }
}

extension LiftedLayer: BoundLayer {
  public var kind: String { inner.kind }
  public var inputWidth: Int { inner.inputWidth + passthrough }
  public var outputWidth: Int { inner.outputWidth + passthrough }
  public var isAffine: Bool { inner.isAffine }
  public var isRational: Bool { inner.isRational }
  public var tightensOnlyStraddlingZero: Bool { inner.tightensOnlyStraddlingZero }

  public func output(at input: [Rational]) -> [Rational] {
    precondition(input.count == inputWidth, "\(kind): \(input.count) inputs, the lifted layer takes \(inputWidth)")
    return inner.output(at: Array(input.prefix(inner.inputWidth))) + input.suffix(passthrough)
  }

  public func transformer<A: BoundArithmetic>(in arithmetic: A) -> any EnclosureTransformer<A> {
    LiftedEnclosure(inner: inner.transformer(in: arithmetic), innerInput: inner.inputWidth, innerOutput: inner.outputWidth)
  }
}

/// A lifted layer on enclosures: the inner transformer on the front, the identity behind.
struct LiftedEnclosure<Arithmetic: BoundArithmetic>: EnclosureTransformer {
  typealias Bound = Arithmetic.Bound
  let inner: any EnclosureTransformer<Arithmetic>
  let innerInput: Int, innerOutput: Int

  func propagate(_ input: [Bound]) -> [Bound] {
    inner.propagate(Array(input.prefix(innerInput))) + input.dropFirst(innerInput)
  }

  /// `Λ = [Λ_f, Λ_s]`: `Λ_f` is substituted through the inner layer, `Λ_s` multiplies the carried
  /// entries, which are the same on both sides.
  func substitute(_ rows: inout [[Bound]], _ constants: inout [Bound], input: [Bound]) {
    var front = rows.map { Array($0.prefix(innerOutput)) }
    inner.substitute(&front, &constants, input: Array(input.prefix(innerInput)))
    for r in rows.indices { rows[r] = front[r] + rows[r].dropFirst(innerOutput) }
  }
}
