/// Inverted dropout with keep probability `p`: in training `y[i] = m[i] * x[i] / p` with a fresh
/// seeded mask `m[i]` in {0, 1} (1 with probability `p`) per step; at evaluation the identity.
///
/// Certified block `dropout` (`vjp x[i] = m[i] * dy[i] / p`, the mask a constant of the step).
/// The mask stream is seeded from the model seed and the layer's position, so a run is repeatable.
public final class Dropout: LayerKernels {
  public static let certifiedBlock = "dropout"
  public static let ruleNames = ["dropout.x"]
  /// `x` the input, `m` the 0/1 mask (shaped like `x`), `p` the keep probability (shape `[]`).
  public static let operandNames = ["x", "m", "p"]

  public let name: String
  public let inputWidth: Int
  /// The shape of the values, `[width]` or an image's `[C, H, W]`: an elementwise layer keeps it.
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var outputWidth: Int { inputWidth }
  public var parameters: [Parameter] { [] }
  /// The keep probability, in (0, 1].
  public let keepProbability: Float

  private var random: RandomSource
  /// The state of the mask stream: a checkpoint saves it so a resumed run draws the same masks.
  var randomState: UInt64 {
    get { random.state }
    set { random = RandomSource(state: newValue) }
  }
  private var mask: Workspace<Float>
  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var lastMask: UnsafeMatrix<Float>?

  public init(name: String, width: Int, keepProbability: Float, seed: UInt64, shape: [Int]? = nil) {
    precondition(keepProbability > 0 && keepProbability <= 1, "keep probability must be in (0, 1]")
    self.name = name
    inputWidth = width
    inputShape = shape ?? [width]
    precondition(inputShape.reduce(1, *) == width, "shape \(inputShape) does not hold \(width) values")
    self.keepProbability = keepProbability
    random = RandomSource(seed: seed)
    mask = Workspace(columns: width)
    output = Workspace(columns: width)
    inputGradient = Workspace(columns: width)
  }

  package func reserve(batchCapacity: Int) {
    mask.reserve(rows: batchCapacity)
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    guard training else {
      lastMask = nil
      return input
    }
    let m = mask.matrix(rows: input.rows)
    let p = keepProbability
    for k in 0..<m.count { m.base[k] = random.uniformFloat() < p ? 1 : 0 }
    let y = output.matrix(rows: input.rows)
    Dropout.apply(mask: m, keepProbability: p, to: input, into: y)
    lastMask = m
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    let m = kept(lastMask, for: outputGradient, by: "training forward")
    let dx = inputGradient.matrix(rows: m.rows)
    Dropout.apply(mask: m, keepProbability: keepProbability, to: outputGradient, into: dx)
    return dx
  }

  // MARK: - Kernel

  /// `out = m * v / p`: the forward rule on `v = x`, the backward rule on `v = dy`.
  static func apply<S: TrainScalar>(mask m: UnsafeMatrix<S>, keepProbability p: S, to v: UnsafeMatrix<S>, into out: UnsafeMatrix<S>) {
    let (ms, vs, outs) = (m.base, v.base, out.base)
    for k in 0..<v.count { outs[k] = ms[k] * vs[k] / p }
  }

  // MARK: - Rules on explicit operands

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try rule(operands, on: "x")
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    ["dropout.x": try rule(operands, on: "dy")]
  }

  private static func rule<S: TrainScalar>(_ operands: [String: Tensor<S>], on name: String) throws -> Tensor<S> {
    var reader = OperandReader(block: certifiedBlock, operands)
    var v = try reader.batch(name)
    var m = try reader.batch("m", width: v.shape[1], rows: v.shape[0])
    let p = try reader.parameter("p")
    guard p.count == 1, p.scalars[0] > 0, p.scalars[0] <= 1 else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'p' must be one number in (0, 1]")
    }
    var out = Tensor<S>(zeros: v.shape)
    v.withMatrix { v in m.withMatrix { m in out.withMatrix { out in apply(mask: m, keepProbability: p.scalars[0], to: v, into: out) } } }
    return reader.shaped(out)
  }
}
