/// A layer of a trainer model: a certified block, its `Float` parameters and its batched kernels.
///
/// A batch of `B` examples flows through as a `[B, width]` matrix. `forward` writes the layer's
/// output into workspace the layer owns and returns a view of it; `backward`, called after the
/// `forward` of the same batch (the input it saw must be unchanged), writes every parameter's
/// gradient — summed over the batch — into `Parameter.gradient` (or adds it there, when the
/// parameter `accumulatesGradient`) and returns the gradient with
/// respect to the input, unless told it is not needed (the first layer's input is data).
///
/// Nothing is allocated per step once `reserve(batchCapacity:)` has sized the workspace.
///
/// To add a layer kind (for example a formula layer derived and certified at load), conform a
/// class to `Layer`, add a `LayerSpec` case and its keyword to the spec parser, and build it in
/// `Sequential.makeLayer` (Docs/Training.md, "Adding a layer kind").
public protocol Layer: AnyObject, CertifiedRules {
  /// The layer's name in its model, e.g. `"dense1"`; parameters are named after it (`"dense1.W"`).
  var name: String { get }
  var inputWidth: Int { get }
  var outputWidth: Int { get }
  /// The trainable tensors, in a fixed order (the checkpoint's order).
  var parameters: [Parameter] { get }

  /// Sizes the workspace for batches of up to `batchCapacity` examples.
  func reserve(batchCapacity: Int)
  /// The layer's output for a `[B, inputWidth]` batch; `training` selects training behaviour
  /// (dropout masks, kink counting).
  func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float>
  /// Parameter gradients into `Parameter.gradient`; the input gradient when `needsInputGradient`.
  func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>?
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
