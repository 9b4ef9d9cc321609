/// The elementwise product, certified block `mul` (`Theorems/graph.thm`): `y[i] = x[i] * z[i]`,
/// `vjp x[i] = z[i] * dy[i]`, `vjp z[i] = x[i] * dy[i]`. In a spec, `mul NAME` multiplies the
/// current value by `NAME` (a gate, as in squeeze-and-excitation with a value of one shape).
public final class Mul: BinaryLayerKernels {
  public static let certifiedBlock = "mul"
  public static let ruleNames = ["mul.x", "mul.z"]
  public static let operandNames = ["x", "z"]

  public let name: String
  public let inputWidth: Int
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var outputWidth: Int { inputWidth }
  public var parameters: [Parameter] { [] }

  private var output: Workspace<Float>
  private var firstGradient: Workspace<Float>
  private var secondGradient: Workspace<Float>
  private var last: (x: UnsafeMatrix<Float>, z: UnsafeMatrix<Float>)?

  public init(name: String, shape: [Int]) {
    self.name = name
    inputShape = shape
    inputWidth = shape.reduce(1, *)
    output = Workspace(columns: inputWidth)
    firstGradient = Workspace(columns: inputWidth)
    secondGradient = Workspace(columns: inputWidth)
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    firstGradient.reserve(rows: batchCapacity)
    secondGradient.reserve(rows: batchCapacity)
  }

  package func forward(_ x: UnsafeMatrix<Float>, _ z: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: x.rows)
    Mul.product(x, z, into: y)
    last = (x, z)
    return y
  }

  package func backward(_ dy: UnsafeMatrix<Float>, needs: (x: Bool, z: Bool)) -> (x: UnsafeMatrix<Float>?, z: UnsafeMatrix<Float>?) {
    guard let (x, z) = last, x.rows == dy.rows else { preconditionFailure("\(name): backward without a matching forward") }
    var result: (x: UnsafeMatrix<Float>?, z: UnsafeMatrix<Float>?) = (nil, nil)
    if needs.x {
      result.x = firstGradient.matrix(rows: dy.rows)
      Mul.product(z, dy, into: result.x!)
    }
    if needs.z {
      result.z = secondGradient.matrix(rows: dy.rows)
      Mul.product(x, dy, into: result.z!)
    }
    return result
  }

  // MARK: - Kernels

  /// `y = a * b` entry by entry: the forward formula, and both rules (`z * dy`, `x * dy`).
  static func product<S: TrainScalar>(_ a: UnsafeMatrix<S>, _ b: UnsafeMatrix<S>, into y: UnsafeMatrix<S>) {
    BatchParallel.forEachPart(batch: a.rows, work: a.count) { examples in
      let (as_, bs, ys) = (a.row(examples.lowerBound), b.row(examples.lowerBound), y.row(examples.lowerBound))
      for k in 0..<(examples.count * a.columns) { ys[k] = as_[k] * bs[k] }
    }
  }

  // MARK: - Rules on explicit operands

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try BinaryElementwise.forward(block: certifiedBlock, operands) { x, z, y in product(x, z, into: y) }
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try BinaryElementwise.backward(block: certifiedBlock, operands) { x, z, dy, dx, dz in
      product(z, dy, into: dx)
      product(x, dy, into: dz)
    }
  }
}
