/// A loss at the end of a model, a certified block whose rules are gradients (seed 1).
///
/// On a batch the trainer minimizes the mean of the per-example loss, so the gradient it returns is
/// the certified per-example gradient divided by the batch size `B`. Targets are class labels; a
/// label `c` stands for the one-hot target `t[i] = (i == c)`, which sums to 1 as
/// `softmax_cross_entropy` assumes.
public protocol Loss: AnyObject, CertifiedBlock {
  /// The number of model outputs it reads (the number of classes).
  var width: Int { get }
}

/// The batched kernels of a loss, as the trainer runs them over workspace the loss owns
/// (`package`, as `LayerKernels`: users evaluate a model through `Sequential`).
package protocol LossKernels: Loss {
  /// Sizes the workspace for batches of up to `batchCapacity` examples.
  func reserve(batchCapacity: Int)
  /// The loss of `output` (`[B, width]`) against `labels` summed and divided by `count`, and, when
  /// `withGradient`, its gradient with respect to `output` (a view of the loss's workspace). With
  /// `count = B` it is the batch mean; a chunk of a batch (`ChunkedSteps`) passes the whole
  /// batch's size, so that its gradient rows are the batch's own, bit for bit.
  func evaluate(_ output: UnsafeMatrix<Float>, labels: UnsafeBufferPointer<Int32>, withGradient: Bool, meanOver count: Int)
    -> (loss: Double, gradient: UnsafeMatrix<Float>?)
}

extension LossKernels {
  /// The batch-mean loss of `output` (`[B, width]`) against `labels`, and, when `withGradient`,
  /// its gradient with respect to `output`.
  func evaluate(_ output: UnsafeMatrix<Float>, labels: UnsafeBufferPointer<Int32>, withGradient: Bool)
    -> (loss: Double, gradient: UnsafeMatrix<Float>?)
  {
    evaluate(output, labels: labels, withGradient: withGradient, meanOver: output.rows)
  }
}

/// One-hot targets for a batch of labels, rebuilt in place each step.
struct OneHotTargets {
  private var targets: Workspace<Float>

  init(classes: Int) { targets = Workspace(columns: classes) }

  mutating func reserve(rows: Int) { targets.reserve(rows: rows) }

  func matrix(for labels: UnsafeBufferPointer<Int32>) -> UnsafeMatrix<Float> {
    let t = targets.matrix(rows: labels.count)
    t.buffer.update(repeating: 0)
    for (r, label) in labels.enumerated() {
      precondition(0 <= label && Int(label) < t.columns, "label \(label) outside 0..<\(t.columns)")
      t[r, Int(label)] = 1
    }
    return t
  }
}

/// The workspaces and the batch mean of a loss against the one-hot targets of labels: each loss
/// brings the kernel that sums its per-example losses and writes its gradient rows.
struct OneHotLossPasses {
  let width: Int
  private var targets: OneHotTargets
  private var gradient: Workspace<Float>

  init(width: Int) {
    self.width = width
    targets = OneHotTargets(classes: width)
    gradient = Workspace(columns: width)
  }

  mutating func reserve(batchCapacity: Int) {
    targets.reserve(rows: batchCapacity)
    gradient.reserve(rows: batchCapacity)
  }

  /// The loss of `output` against `labels` summed over rows and divided by `count` (the batch
  /// mean when `count` is its rows) and, when `withGradient`, its gradient:
  /// `kernel(output, target, gradient, scale)` returns the sum over rows of the per-example loss and
  /// writes the gradient rows, times `scale = 1/count`, into `gradient` when given.
  func evaluate(_ output: UnsafeMatrix<Float>, labels: UnsafeBufferPointer<Int32>, withGradient: Bool, meanOver count: Int,
                _ kernel: (UnsafeMatrix<Float>, UnsafeMatrix<Float>, UnsafeMatrix<Float>?, Float) -> Double)
    -> (loss: Double, gradient: UnsafeMatrix<Float>?)
  {
    precondition(output.columns == width && output.rows == labels.count, "loss shape mismatch")
    let t = targets.matrix(for: labels)
    let g = withGradient ? gradient.matrix(rows: output.rows) : nil
    let total = kernel(output, t, g, 1 / Float(count))
    return (total / Double(count), g)
  }
}

/// The operand handling shared by the losses: an output `[B, n]` (or `[n]`) and a target like it.
/// Each loss brings one kernel, `kernel(output, target, gradient, scale)`, that returns the sum over
/// rows of the per-example loss and writes the gradient rows times `scale` when given.
enum LossOperands {
  typealias Kernel<S: TrainScalar> = (UnsafeMatrix<S>, UnsafeMatrix<S>, UnsafeMatrix<S>?, S) -> Double

  /// The batch-mean loss, shape `[]`.
  static func mean<S: TrainScalar>(
    block: String, output name: String, _ operands: [String: Tensor<S>], _ kernel: Kernel<S>
  ) throws -> Tensor<S> {
    var (_, output, target) = try read(block: block, output: name, operands)
    let rows = output.shape[0]
    let total = output.withMatrix { y in target.withMatrix { t in kernel(y, t, nil, 1) } }
    return Tensor(shape: [], scalars: [S(total / Double(rows))])
  }

  /// The gradient of the batch-mean loss with respect to the output, rule `<block>.<output>`.
  static func gradient<S: TrainScalar>(
    block: String, output name: String, _ operands: [String: Tensor<S>], _ kernel: Kernel<S>
  ) throws -> [String: Tensor<S>] {
    var (reader, output, target) = try read(block: block, output: name, operands)
    var g = Tensor<S>(zeros: output.shape)
    let scale = 1 / S(output.shape[0])
    _ = output.withMatrix { y in target.withMatrix { t in g.withMatrix { g in kernel(y, t, g, scale) } } }
    return [block + "." + name: reader.shaped(g)]
  }

  private static func read<S: TrainScalar>(
    block: String, output name: String, _ operands: [String: Tensor<S>]
  ) throws -> (reader: OperandReader<S>, output: Tensor<S>, target: Tensor<S>) {
    var reader = OperandReader(block: block, operands)
    let output = try reader.batch(name)
    let target = try reader.batch("t", width: output.shape[1], rows: output.shape[0])
    guard output.shape[0] > 0 else {
      throw TrainingError.badOperands(block: block, reason: "a loss needs at least one example")
    }
    return (reader, output, target)
  }
}
