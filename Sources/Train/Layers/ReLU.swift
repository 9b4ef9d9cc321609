/// The rectifier, certified block `relu`: `y[i] = relu(x[i])`, `vjp x[i] = step(x[i]) * dy[i]`.
///
/// The certificate holds under the side condition `x[k] != 0`: relu has no derivative at 0. The
/// trainer uses the convention `relu'(0) = 0` (`step(0) = 0`) and counts, per layer, the training
/// inputs that were exactly 0 — the *kinks*, where the gradient it computes is a convention rather
/// than the certified rule. A model reports them through `Sequential.kinks`.
public final class ReLU: LayerKernels {
  public static let certifiedBlock = "relu"
  public static let ruleNames = ["relu.x"]
  public static let operandNames = ["x"]

  public let name: String
  public let inputWidth: Int
  /// The shape of the values, `[width]` or an image's `[C, H, W]`: an elementwise layer keeps it.
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var outputWidth: Int { inputWidth }
  public var parameters: [Parameter] { [] }

  /// Training inputs that were exactly 0 (or -0) since the last `resetKinks()`.
  public private(set) var kinks = 0
  /// Whether the next layer (a `MaxPool`) does this layer's work in its own kernels: then
  /// `forward` and `backward` pass values through, and the pool counts the kinks here.
  public internal(set) var isFused = false

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var lastInput: UnsafeMatrix<Float>?

  public init(name: String, width: Int, shape: [Int]? = nil) {
    self.name = name
    inputWidth = width
    inputShape = shape ?? [width]
    precondition(inputShape.reduce(1, *) == width, "shape \(inputShape) does not hold \(width) values")
    output = Workspace(columns: width)
    inputGradient = Workspace(columns: width)
  }

  public func resetKinks() { kinks = 0 }

  /// Kinks found by the pool this relu is fused with.
  func addKinks(_ count: Int) { kinks += count }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    if isFused { return input }
    let y = output.matrix(rows: input.rows)
    let zeros = ReLU.forward(x: input, into: y)
    if training { kinks += zeros }
    lastInput = input
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    if isFused { return outputGradient }
    let x = kept(lastInput, for: outputGradient)
    let dx = inputGradient.matrix(rows: x.rows)
    ReLU.backward(x: x, outputGradient: outputGradient, into: dx)
    return dx
  }

  // MARK: - Kernels

  /// `y = relu(x)`; returns how many inputs were exactly 0 (kinks).
  static func forward<S: TrainScalar>(x: UnsafeMatrix<S>, into y: UnsafeMatrix<S>) -> Int {
    BatchParallel.sumOverParts(batch: x.rows, work: x.count) { examples in
      var zeros = 0
      for r in examples {
        let (xs, ys) = (x.row(r), y.row(r))
        for k in 0..<x.columns {
          let v = xs[k]
          ys[k] = v > 0 ? v : 0
        }
        zeros += Self.zeros(xs, count: x.columns)
      }
      return zeros
    }
  }

  /// How many of `count` values are exactly 0 (or -0).
  @inline(__always)
  static func zeros<S: TrainScalar>(_ xs: UnsafePointer<S>, count: Int) -> Int {
    // `v == 0` counted as `(v <= 0) - (v < 0)` in 32-bit lanes: the form LLVM vectorizes.
    var zeros: Int32 = 0
    for k in 0..<count {
      let v = xs[k]
      zeros &+= (v <= 0 ? 1 : 0) &- (v < 0 ? 1 : 0)
    }
    return Int(zeros)
  }

  /// `dx = step(x) * dy`, with `step(0) = 0`.
  static func backward<S: TrainScalar>(x: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>) {
    BatchParallel.forEachPart(batch: x.rows, work: x.count) { examples in
      let (xs, dys, dxs) = (x.row(examples.lowerBound), dy.row(examples.lowerBound), dx.row(examples.lowerBound))
      for k in 0..<(examples.count * x.columns) {
        let d = dys[k]  // loaded unconditionally, so the loop is a vector select
        dxs[k] = xs[k] > 0 ? d : 0
      }
    }
  }

  // MARK: - Rules on explicit operands

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try Elementwise.forward(block: certifiedBlock, operands) { x, y in _ = forward(x: x, into: y) }
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try Elementwise.backward(block: certifiedBlock, operands) { x, dy, dx in backward(x: x, outputGradient: dy, into: dx) }
  }
}
