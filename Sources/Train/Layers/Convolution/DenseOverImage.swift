/// A dense layer reading a flattened image, certified block `dense_chw` of `Theorems/cnn.thm`:
///
///     y[o] = sum(c, h, s) W[o, c, h, s] * x[c, h, s] + b[o]
///
/// `flatten` is the identity on storage (an image is stored channel-major), so the flat vector is
/// the image's memory and `W [O, C, H, W]` is, in memory, the `[O, C H W]` matrix of `Dense`: the
/// kernels are `Dense`'s. What the certificate adds is the index bookkeeping: the rules hold with
/// the image's own indices, for every `C`, `H`, `W` (a flat index `c H W + h W + s` is outside the
/// affine index language). The weight is stored, and checkpointed, as `[O, C, H, W]`.
public final class DenseOverImage: Dense {
  override public class var certifiedBlock: String { "dense_chw" }

  public let image: [Int]
  public var inputShape: [Int] { image }

  /// A dense layer with `outputWidth` outputs over a `[C, H, W]` image.
  public init(name: String, image: [Int], outputWidth: Int) {
    precondition(image.count == 3, "dense_chw reads a CxHxW image, not \(image)")
    self.image = image
    super.init(name: name, input: image, outputWidth: outputWidth)
  }

  /// Operands as for `Dense`, with `x` `[C, H, W]` (or `[B, C, H, W]`) and `W` `[O, C, H, W]`.
  override public class func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try super.forward(flattened(operands))
  }

  override public class func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    var rules = try super.backward(flattened(operands))
    let (x, w) = (operands["x"]!, operands["W"]!)
    rules[ruleNames[0]] = rules[ruleNames[0]]!.reshaped(x.shape)
    rules[ruleNames[1]] = rules[ruleNames[1]]!.reshaped(w.shape)
    return rules
  }

  /// The operands as `Dense` reads them: `x` `[C H W]` (or `[B, C H W]`), `W` `[O, C H W]`.
  private static func flattened<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    let reader = OperandReader(block: certifiedBlock, operands)
    let (x, w) = (try reader.tensor("x"), try reader.tensor("W"))
    guard w.shape.count == 4, x.shape.count == 3 || x.shape.count == 4, Array(x.shape.suffix(3)) == Array(w.shape.dropFirst()) else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'x' \(x.shape) and 'W' \(w.shape) are not [C, H, W] (or [B, C, H, W]) and [O, C, H, W]")
    }
    var flat = operands
    let features = x.shape.suffix(3).reduce(1, *)
    flat["x"] = x.reshaped(x.shape.count == 4 ? [x.shape[0], features] : [features])
    flat["W"] = w.reshaped([w.shape[0], features])
    return flat
  }
}
