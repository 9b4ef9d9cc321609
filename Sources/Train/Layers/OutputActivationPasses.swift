/// The workspaces and passes of an elementwise layer whose derivative is read from its output
/// (`Sigmoid`: `y (1 - y)`, `Tanh`: `1 - y²`): `forward` keeps the output for `backward`, which
/// never recomputes the function. The layers bring the two kernels.
struct OutputActivationPasses {
  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var lastOutput: UnsafeMatrix<Float>?

  init(width: Int) {
    output = Workspace(columns: width)
    inputGradient = Workspace(columns: width)
  }

  mutating func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  /// `y = f(x)` by `kernel(x, y)`, kept for `backward`.
  mutating func forward(_ input: UnsafeMatrix<Float>, _ kernel: (UnsafeMatrix<Float>, UnsafeMatrix<Float>) -> Void) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    kernel(input, y)
    lastOutput = y
    return y
  }

  /// `dx` by `kernel(y, dy, dx)` from the kept output.
  /// - Precondition: `forward` ran on a batch of as many rows (`layer` names the layer if not).
  func backward(_ outputGradient: UnsafeMatrix<Float>, layer: String,
                _ kernel: (UnsafeMatrix<Float>, UnsafeMatrix<Float>, UnsafeMatrix<Float>) -> Void) -> UnsafeMatrix<Float> {
    guard let y = lastOutput, y.rows == outputGradient.rows else {
      preconditionFailure("\(layer): backward without a matching forward")
    }
    let dx = inputGradient.matrix(rows: y.rows)
    kernel(y, outputGradient, dx)
    return dx
  }
}
