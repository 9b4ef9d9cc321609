/// `flatten`: a `[C, H, W]` image read as the vector of its `C H W` values in storage order
/// (channel-major). It moves no data: forward returns its input, backward its output gradient.
///
/// It has no certified rule of its own (`ruleNames` is empty): the identity on storage needs none,
/// and what reads the flat vector is certified on the image's own indices — a `dense` after
/// `flatten` is `DenseOverImage`, block `dense_chw`; elementwise layers and losses treat the
/// values one by one whatever their shape.
public final class Flatten: LayerKernels {
  public static let certifiedBlock = "flatten"
  public static let ruleNames: [String] = []
  public static let operandNames = ["x"]

  public let name: String
  public let inputShape: [Int]
  public var inputWidth: Int { inputShape.reduce(1, *) }
  public var outputWidth: Int { inputWidth }
  public var parameters: [Parameter] { [] }

  public init(name: String, input: [Int]) {
    self.name = name
    inputShape = input
  }

  package func reserve(batchCapacity: Int) {}
  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> { input }
  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    needsInputGradient ? outputGradient : nil
  }

  /// `x` (`[C, H, W]` or `[B, C, H, W]`) as `[C H W]` (or `[B, C H W]`).
  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    let x = try OperandReader(block: certifiedBlock, operands).tensor("x")
    guard x.shape.count == 3 || x.shape.count == 4 else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'x' has shape \(x.shape); expected [C, H, W] or [B, C, H, W]")
    }
    let features = x.shape.suffix(3).reduce(1, *)
    return x.reshaped(x.shape.count == 4 ? [x.shape[0], features] : [features])
  }

  /// No rules: an empty dictionary.
  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] { [:] }
}
