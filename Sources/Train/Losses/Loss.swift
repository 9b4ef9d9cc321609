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
  /// The batch-mean loss of `output` (`[B, width]`) against `labels`, and, when `withGradient`,
  /// its gradient with respect to `output` (a view of the loss's workspace).
  func evaluate(_ output: UnsafeMatrix<Float>, labels: UnsafeBufferPointer<Int32>, withGradient: Bool)
    -> (loss: Double, gradient: UnsafeMatrix<Float>?)
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

/// The operand handling shared by the losses: an output `[B, n]` (or `[n]`) and a target like it.
enum LossOperands {
  static func read<S: TrainScalar>(
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
