public import Exact
public import ProofKernel

/// A kernel `Term` at concrete sizes, what every numeric back end compiles from: names resolved to
/// index slots, dimensions to their sizes, guards to constraints over slots, each `sum` to its loop
/// plan, each tensor access to an offset with zero extension, references unfolded.
///
/// What is left is arithmetic, which each back end does in its own scalar: the trainer's Float
/// closures (`Train/Formula`), the gradient audit's MPFI buffers (`Audit/Gradients/FormulaPlan`).
///
/// Lowered terms are shared: one `Lowering` returns the same object for the same subterm over the
/// same slots (`sigmoid(x[i])`, which a derived swish rule names three times, is one node), so a
/// back end that memoizes by `id` computes it once.
public final class LoweredTerm: Sendable {
  /// Distinct for distinct lowered terms of one `Lowering`, from 0 up: a back end's memo key.
  public let id: Int
  public let node: Node
  /// The slots of the term's free indices, in the order of their names: the slots its value
  /// depends on (a closed term, `reads == []`, is the same at every index).
  public let reads: [Int]
  /// The term it was lowered from, for messages.
  public let term: Term
  /// A `D` or `vjp` kept for the dual evaluator (`Lowering.keepsDerivatives`), its parts lowered;
  /// the node is then `named("D")` or `named("vjp")`, a placeholder only that evaluator reads.
  let derivative: LoweredDerivative?

  init(id: Int, node: Node, reads: [Int], term: Term, derivative: LoweredDerivative? = nil) {
    self.id = id
    self.node = node
    self.reads = reads
    self.term = term
    self.derivative = derivative
  }

  public enum Node: Sendable {
    /// A rational constant; dimensions used as numbers become their sizes here.
    case constant(Rational)
    /// A named constant (`pi`, `eps`): its value is the back end's to give.
    case named(String)
    case access(LoweredAccess)
    /// `[G]`: 1 where every constraint holds, else 0 (a false guard lowers to `constant(0)`).
    case bracket([LoweredConstraint])
    /// `sum(b)[G] body`: the body added over the loop's points.
    case sum(LoweredLoop, LoweredTerm)
    case add([LoweredTerm])
    /// A product: 0 as soon as one factor is exactly 0 (the exact evaluator's strong zero).
    case mul([LoweredTerm])
    case power(LoweredTerm, Rational)
    case apply(ScalarFunction, LoweredTerm)
  }
}

/// A tensor access `T[e1, ..., ek]` at concrete sizes: the entry at row-major offset
/// `Σ ek · strides[k]` when `0 <= ek < shape[k]` for every axis, else 0 (zero extension).
public struct LoweredAccess: Hashable, Sendable {
  /// The tensor's name: the back end binds it to values.
  public let tensor: String
  /// The declared shape at these sizes.
  public let shape: [Int]
  /// Row-major strides of `shape`.
  public let strides: [Int]
  public let indices: [LoweredAffine]

  init(tensor: String, shape: [Int], indices: [LoweredAffine]) {
    self.tensor = tensor
    self.shape = shape
    self.indices = indices
    var strides = Array(repeating: 1, count: shape.count)
    for k in stride(from: shape.count - 2, through: 0, by: -1) { strides[k] = strides[k + 1] * shape[k + 1] }
    self.strides = strides
  }

  /// The row-major offset of the entry at the slot values `values`; nil outside the shape (the
  /// entry is 0 there).
  @inlinable @inline(__always)
  public func offset(_ values: UnsafePointer<Int>) -> Int? {
    var offset = 0
    for axis in 0..<indices.count {
      let v = indices[axis].value(values)
      guard v >= 0, v < shape[axis] else { return nil }
      offset += v * strides[axis]
    }
    return offset
  }
}
