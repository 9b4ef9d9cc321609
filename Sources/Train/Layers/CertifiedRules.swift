/// The certified layer block a trainer layer implements, and its rules run on explicit operands.
///
/// `certifiedBlock` is the name of a `layer` block of `Theorems/layers.thm` and `ruleNames` the
/// names of its `vjp` rules (`"dense.x"`, `"dense.W"`, `"dense.b"`), the names their certificates
/// carry. `forward` and `backward` run the trainer's own kernels (the very functions the `Float`
/// training step calls) on small tensors in `Float` or `Double`, so the code can be held to the
/// certified formulas by exact evaluation.
///
/// Operands are named as in the block: `x`, `W`, `b` for dense; `backward` also takes the upstream
/// gradient `dy` (losses, being scalar, take none: their rules are gradients of the batch mean).
/// Per-example operands carry a leading batch dimension, `[B, n]`, or none, `[n]`, for one example.
/// Parameter rules (`dense.W`) sum over the batch, as the batched trainer does; loss values and
/// gradients are batch means, so with one example they are the certified formulas exactly.
///
/// ```swift
/// let g = try Dense.backward([
///   "x": Tensor<Double>(shape: [3], scalars: [1, 2, 3]),
///   "W": Tensor(shape: [2, 3], scalars: [1, 0, -1, 2, 1, 0]),
///   "b": Tensor(shape: [2], scalars: [0, 0]),
///   "dy": Tensor(shape: [2], scalars: [1, -1]),
/// ])
/// g["dense.W"]   // dy[o] * x[i]: [[1, 2, 3], [-1, -2, -3]]
/// ```
public protocol CertifiedBlock {
  /// The block's name in `Theorems/layers.thm`, e.g. `"dense"`.
  static var certifiedBlock: String { get }
  /// The block's rule names, `"<block>.<operand>"`, in the order the block states them.
  static var ruleNames: [String] { get }
  /// The operands `forward` needs, e.g. `["x", "W", "b"]` (`backward` needs `dy` as well, unless
  /// the block is a loss).
  static var operandNames: [String] { get }

  /// The block's output: `y` for a layer (`[B, out]`, or `[out]` for one example), the batch-mean
  /// loss for a loss (shape `[]`).
  ///
  /// - Throws: `TrainingError.badOperands` naming a missing operand or a wrong shape.
  static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S>

  /// Every rule of the block, by rule name, evaluated on the operands.
  ///
  /// - Throws: `TrainingError.badOperands` naming a missing operand or a wrong shape.
  static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>]
}

// MARK: - Reading operands

/// Operands by name, checked against the shapes a block expects.
struct OperandReader<S: TrainScalar> {
  let block: String
  let operands: [String: Tensor<S>]

  /// Whether per-example operands came without a batch dimension (results are returned alike).
  private(set) var singleExample = false

  init(block: String, _ operands: [String: Tensor<S>]) {
    self.block = block
    self.operands = operands
  }

  func tensor(_ name: String) throws -> Tensor<S> {
    guard let tensor = operands[name] else {
      throw TrainingError.badOperands(
        block: block, reason: "missing operand '\(name)' (given: \(operands.keys.sorted().joined(separator: ", ")))")
    }
    return tensor
  }

  /// A per-example operand as a `[B, width]` matrix: `[width]` is one example, `[B, width]` a
  /// batch; `width` is inferred when nil.
  mutating func batch(_ name: String, width: Int? = nil, rows: Int? = nil) throws -> Tensor<S> {
    var t = try tensor(name)
    if t.shape.count == 1 {
      singleExample = true
      t = t.reshaped([1, t.shape[0]])
    }
    guard t.shape.count == 2 else {
      throw TrainingError.badOperands(block: block, reason: "'\(name)' has shape \(t.shape); expected [n] or [B, n]")
    }
    if let width, t.shape[1] != width {
      throw TrainingError.badOperands(
        block: block, reason: "'\(name)' has \(t.shape[1]) features; expected \(width)")
    }
    if let rows, t.shape[0] != rows {
      throw TrainingError.badOperands(
        block: block, reason: "'\(name)' has \(t.shape[0]) examples; expected \(rows) like the input")
    }
    return t
  }

  /// A parameter of exactly the given shape.
  func parameter(_ name: String, shape: [Int]? = nil) throws -> Tensor<S> {
    let t = try tensor(name)
    if let shape, t.shape != shape {
      throw TrainingError.badOperands(block: block, reason: "'\(name)' has shape \(t.shape); expected \(shape)")
    }
    return t
  }

  /// A result per example, shaped like the per-example operands were given.
  func shaped(_ t: Tensor<S>) -> Tensor<S> {
    singleExample ? t.reshaped([t.shape[1]]) : t
  }
}

extension Tensor {
  /// Runs `body` on the tensor's scalars as a mutable `[rows, columns]` view.
  mutating func withMatrix<R>(_ body: (UnsafeMatrix<Scalar>) throws -> R) rethrows -> R {
    let columns = shape.last ?? 1
    let rows = columns == 0 ? 0 : count / columns
    return try withUnsafeMutableBufferPointer {
      try body(UnsafeMatrix($0.baseAddress!, rows: rows, columns: columns))
    }
  }
}
