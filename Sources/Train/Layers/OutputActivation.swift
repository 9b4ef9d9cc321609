/// What `Sigmoid` and `Tanh` share: an elementwise layer whose derivative is read from its output
/// (`y (1 - y)`, `1 - y²`). `forward` keeps the output for `backward`, which never recomputes the
/// function. The subclasses bring the two kernels and their certified block.
///
/// Not `open`: the two subclasses are the package's own.
public class OutputActivation {
  /// `y = f(x)` from `x`, and `dx` from `y` and `dy`: the subclass's kernels at `Float`.
  typealias ForwardKernel = (_ x: UnsafeMatrix<Float>, _ y: UnsafeMatrix<Float>) -> Void
  typealias BackwardKernel = (_ y: UnsafeMatrix<Float>, _ dy: UnsafeMatrix<Float>, _ dx: UnsafeMatrix<Float>) -> Void

  public let name: String
  public let inputWidth: Int
  /// The shape of the values, `[width]` or an image's `[C, H, W]`: an elementwise layer keeps it.
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var outputWidth: Int { inputWidth }
  public var parameters: [Parameter] { [] }

  private let forwardKernel: ForwardKernel
  private let backwardKernel: BackwardKernel
  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var lastOutput: UnsafeMatrix<Float>?

  init(name: String, width: Int, shape: [Int]?, forward: @escaping ForwardKernel, backward: @escaping BackwardKernel) {
    self.name = name
    inputWidth = width
    inputShape = shape ?? [width]
    precondition(inputShape.reduce(1, *) == width, "shape \(inputShape) does not hold \(width) values")
    forwardKernel = forward
    backwardKernel = backward
    output = Workspace(columns: width)
    inputGradient = Workspace(columns: width)
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  /// `y = f(x)`, kept for `backward`.
  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    forwardKernel(input, y)
    lastOutput = y
    return y
  }

  /// `dx` from the kept output.
  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    guard let y = lastOutput, y.rows == outputGradient.rows else {
      preconditionFailure("\(name): backward without a matching forward")
    }
    let dx = inputGradient.matrix(rows: y.rows)
    backwardKernel(y, outputGradient, dx)
    return dx
  }
}
