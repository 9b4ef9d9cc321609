/// A layer of a trainer model, as a user sees it: a certified block (its rules, `CertifiedBlock`),
/// its name and widths, and its `Float` parameters. The batched kernels the trainer runs are
/// `LayerKernels`, inside the package.
public protocol Layer: AnyObject, CertifiedBlock {
  /// The layer's name in its model, e.g. `"dense1"`; parameters are named after it (`"dense1.W"`).
  var name: String { get }
  var inputWidth: Int { get }
  var outputWidth: Int { get }
  /// The shape of one example's input: `[inputWidth]` for a vector, `[C, H, W]` for an image
  /// (stored channel-major, so a batch is a `[B, C H W]` matrix either way).
  var inputShape: [Int] { get }
  /// The shape of one example's output, likewise.
  var outputShape: [Int] { get }
  /// The trainable tensors, in a fixed order (the checkpoint's order).
  var parameters: [Parameter] { get }
  /// Tensors a layer keeps but does not train (batch norm's running statistics): stored in
  /// checkpoints after its parameters, never given to an optimizer.
  var statistics: [Parameter] { get }
}

extension Layer {
  public var statistics: [Parameter] { [] }
  public var inputShape: [Int] { [inputWidth] }
  public var outputShape: [Int] { [outputWidth] }
}

/// A trainable tensor with its gradient, and the certified rule that gives that gradient.
public final class Parameter {
  /// The name in the model and in checkpoints, e.g. `"dense1.W"`.
  public let name: String
  /// The rule whose formula the gradient computes, e.g. `"dense.W"`.
  public let rule: String
  public var value: Tensor<Float>
  /// The gradient of the batch-mean loss from the last `backward` — or, when
  /// `accumulatesGradient` is on, what it held before plus that gradient.
  public var gradient: Tensor<Float>
  /// Whether `backward` adds the gradient to `gradient` (gradient accumulation) instead of
  /// overwriting it. Off by default; a fused `SGD` turns it on to keep its velocity here.
  public var accumulatesGradient = false

  public init(name: String, rule: String, shape: [Int]) {
    self.name = name
    self.rule = rule
    value = Tensor(zeros: shape)
    gradient = Tensor(zeros: shape)
  }

  public var shape: [Int] { value.shape }
}
