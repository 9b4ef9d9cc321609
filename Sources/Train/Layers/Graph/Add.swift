/// The residual sum, certified block `add` (`Theorems/graph.thm`): `y[i] = x[i] + z[i]`,
/// `vjp x[i] = dy[i]`, `vjp z[i] = dy[i]`. In a spec, `add NAME` adds the value `NAME` to the
/// current one (a shortcut connection); both keep any shape, an image's too.
public final class Add: BinaryLayerKernels {
  public static let certifiedBlock = "add"
  public static let ruleNames = ["add.x", "add.z"]
  public static let operandNames = ["x", "z"]

  public let name: String
  public let inputWidth: Int
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var outputWidth: Int { inputWidth }
  public var parameters: [Parameter] { [] }

  private var output: Workspace<Float>
  /// `z`'s gradient: `x`'s is the upstream gradient itself (the rule is the identity), `z`'s a copy
  /// so that the two readers never share a buffer.
  private var secondGradient: Workspace<Float>

  public init(name: String, shape: [Int]) {
    self.name = name
    inputShape = shape
    inputWidth = shape.reduce(1, *)
    output = Workspace(columns: inputWidth)
    secondGradient = Workspace(columns: inputWidth)
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    secondGradient.reserve(rows: batchCapacity)
  }

  package func forward(_ x: UnsafeMatrix<Float>, _ z: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: x.rows)
    Add.forward(x: x, z: z, into: y)
    return y
  }

  package func backward(_ dy: UnsafeMatrix<Float>, needs: (x: Bool, z: Bool)) -> (x: UnsafeMatrix<Float>?, z: UnsafeMatrix<Float>?) {
    var dz: UnsafeMatrix<Float>?
    if needs.z {
      dz = secondGradient.matrix(rows: dy.rows)
      Add.copy(dy, into: dz!)
    }
    return (needs.x ? dy : nil, dz)
  }

  // MARK: - Kernels

  static func forward<S: TrainScalar>(x: UnsafeMatrix<S>, z: UnsafeMatrix<S>, into y: UnsafeMatrix<S>) {
    BatchParallel.forEachPart(batch: x.rows, work: x.count) { examples in
      let (xs, zs, ys) = (x.row(examples.lowerBound), z.row(examples.lowerBound), y.row(examples.lowerBound))
      for k in 0..<(examples.count * x.columns) { ys[k] = xs[k] + zs[k] }
    }
  }

  /// `dz = dy` (and `dx = dy`): the rules of `add`.
  static func copy<S: TrainScalar>(_ dy: UnsafeMatrix<S>, into d: UnsafeMatrix<S>) {
    d.base.update(from: dy.base, count: dy.count)
  }

  // MARK: - Rules on explicit operands

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try BinaryElementwise.forward(block: certifiedBlock, operands) { x, z, y in forward(x: x, z: z, into: y) }
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try BinaryElementwise.backward(block: certifiedBlock, operands) { _, _, dy, dx, dz in
      copy(dy, into: dx)
      copy(dy, into: dz)
    }
  }
}
