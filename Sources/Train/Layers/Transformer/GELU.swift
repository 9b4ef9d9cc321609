import Foundation

/// GELU in the erf form, certified block `gelu` (`Theorems/transformer.thm`):
/// `y = gelu(x) = x Φ(x) = (1/2) x (1 + erf(x / √2))`,
/// `vjp x = ((1/2)(1 + erf(x / √2)) + x exp(-x²/2) / √(2π)) dy`.
///
/// Elementwise, so it keeps any shape. The forward pass keeps each entry's `erf(x / √2)` (`kept`),
/// which the backward pass reads with the input the forward pass saw rather than computing `erf`
/// again: the same Float32 value, so the same gradient, at half the calls to `erff`.
/// `GELUTanh` (the tanh approximation) overrides the two kernels and the block name; it keeps
/// its `tanh(u)`.
public class GELU: LayerKernels {
  public class var certifiedBlock: String { "gelu" }
  public class var ruleNames: [String] { [certifiedBlock + ".x"] }
  public class var operandNames: [String] { ["x"] }

  public let name: String
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var inputWidth: Int { inputShape.reduce(1, *) }
  public var outputWidth: Int { inputWidth }
  public var parameters: [Parameter] { [] }

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  /// The forward pass's `erf(x / √2)` (`tanh(u)` in `GELUTanh`), per entry.
  private var kept: Workspace<Float>
  private var lastInput: UnsafeMatrix<Float>?

  public required init(name: String, input: [Int]) {
    self.name = name
    inputShape = input
    output = Workspace(columns: input.reduce(1, *))
    inputGradient = Workspace(columns: input.reduce(1, *))
    kept = Workspace(columns: input.reduce(1, *))
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
    kept.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let (y, k) = (output.matrix(rows: input.rows), kept.matrix(rows: input.rows))
    // erf per entry is most of a ViT's elementwise time: the batch is cut over the threads.
    BatchParallel.forEachPart(batch: input.rows, work: 8 * input.count) { examples in
      Self.forwardFloat(x: input.slice(rows: examples), into: y.slice(rows: examples), keeping: k.slice(rows: examples))
    }
    lastInput = input
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    guard let x = lastInput, x.rows == outputGradient.rows else {
      preconditionFailure("\(name): backward without a matching forward")
    }
    let (dx, k) = (inputGradient.matrix(rows: x.rows), kept.matrix(rows: x.rows))
    BatchParallel.forEachPart(batch: x.rows, work: 4 * x.count) { examples in
      Self.backwardFloat(x: x.slice(rows: examples), kept: k.slice(rows: examples),
                         outputGradient: outputGradient.slice(rows: examples), into: dx.slice(rows: examples))
    }
    return dx
  }

  // MARK: - Kernels

  // A generic class method is dispatched dynamically and runs unspecialized (every `*` a witness
  // call): the training step calls the `Float` entry points, which `GELUTanh` overrides, and each
  // calls its form's generic kernel with `Float`, which the compiler specializes.

  class func forwardFloat(x: UnsafeMatrix<Float>, into y: UnsafeMatrix<Float>, keeping kept: UnsafeMatrix<Float>) {
    erfForward(x: x, into: y, keeping: kept)
  }
  class func backwardFloat(x: UnsafeMatrix<Float>, kept: UnsafeMatrix<Float>, outputGradient dy: UnsafeMatrix<Float>, into dx: UnsafeMatrix<Float>) {
    erfBackward(x: x, kept: kept, outputGradient: dy, into: dx)
  }
  class func forward<S: TrainScalar>(x: UnsafeMatrix<S>, into y: UnsafeMatrix<S>, keeping kept: UnsafeMatrix<S>) {
    erfForward(x: x, into: y, keeping: kept)
  }
  class func backward<S: TrainScalar>(x: UnsafeMatrix<S>, kept: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>) {
    erfBackward(x: x, kept: kept, outputGradient: dy, into: dx)
  }

  /// `y = (1/2) x (1 + erf(x/√2))`, keeping `erf(x/√2)`.
  static func erfForward<S: TrainScalar>(x: UnsafeMatrix<S>, into y: UnsafeMatrix<S>, keeping kept: UnsafeMatrix<S>) {
    let (xs, ys, es) = (x.base, y.base, kept.base)
    let half: S = 1 / 2, inverseRoot2 = S(1 / 2.0.squareRoot())
    for k in 0..<x.count {
      let e = ScalarFunctions.erf(xs[k] * inverseRoot2)
      es[k] = e
      ys[k] = half * xs[k] * (1 + e)
    }
  }

  /// `dx = ((1/2)(1 + erf(x/√2)) + x exp(-x²/2)/√(2π)) dy`, with `erf(x/√2)` as the forward pass kept it.
  static func erfBackward<S: TrainScalar>(x: UnsafeMatrix<S>, kept: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>) {
    let (xs, es, dys, dxs) = (x.base, kept.base, dy.base, dx.base)
    let half: S = 1 / 2, inverseRoot2Pi = S(1 / (2 * Double.pi).squareRoot())
    for k in 0..<x.count {
      let v = xs[k]
      let slope = half * (1 + es[k]) + v * S.exponential(-v * v * half) * inverseRoot2Pi
      dxs[k] = slope * dys[k]
    }
  }

  // MARK: - Rules on explicit operands

  public class func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    try Elementwise.forward(block: certifiedBlock, operands) { x, y in
      withUnsafeTemporaryAllocation(of: S.self, capacity: x.count) { kept in
        forward(x: x, into: y, keeping: UnsafeMatrix(kept.baseAddress!, rows: x.rows, columns: x.columns))
      }
    }
  }

  /// The forward kernel first (for what it keeps), then the backward kernel: the trainer's two calls.
  public class func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    try Elementwise.backward(block: certifiedBlock, operands) { x, dy, dx in
      withUnsafeTemporaryAllocation(of: S.self, capacity: 2 * x.count) { buffer in
        let (y, kept) = (UnsafeMatrix(buffer.baseAddress!, rows: x.rows, columns: x.columns),
                         UnsafeMatrix(buffer.baseAddress! + x.count, rows: x.rows, columns: x.columns))
        forward(x: x, into: y, keeping: kept)
        backward(x: x, kept: kept, outputGradient: dy, into: dx)
      }
    }
  }
}

/// Scalar functions the transformer kernels need beyond `TrainScalar`'s, in `Float` or `Double`.
enum ScalarFunctions {
  /// `erf`, in the scalar's own precision (`erff` for `Float`).
  @inline(__always) static func erf<S: TrainScalar>(_ x: S) -> S {
    if S.self == Float.self { return S(Foundation.erff(Float(x))) }
    return S(Foundation.erf(Double(x)))
  }
}
