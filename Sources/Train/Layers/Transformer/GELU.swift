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
    let x = kept(lastInput, for: outputGradient)
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

  /// `y = (1/2) x (1 + erf(x/√2))`, keeping `erf(x/√2)`. In Float32, `erf` is `VectorFunctions.erf`.
  static func erfForward<S: TrainScalar>(x: UnsafeMatrix<S>, into y: UnsafeMatrix<S>, keeping kept: UnsafeMatrix<S>) {
    if S.self == Float.self {
      return erfForwardFloat(x: x.base.float, count: x.count, into: y.base.float, keeping: kept.base.float)
    }
    let (xs, ys, es) = (x.base, y.base, kept.base)
    let half: S = 1 / 2, inverseRoot2 = S(1 / 2.0.squareRoot())
    for k in 0..<x.count {
      let e = ScalarFunctions.erf(xs[k] * inverseRoot2)
      es[k] = e
      ys[k] = half * xs[k] * (1 + e)
    }
  }

  /// `dx = ((1/2)(1 + erf(x/√2)) + x exp(-x²/2)/√(2π)) dy`, with `erf(x/√2)` as the forward pass kept it.
  /// In Float32, `exp` is `VectorFunctions.exponential`.
  static func erfBackward<S: TrainScalar>(x: UnsafeMatrix<S>, kept: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>) {
    if S.self == Float.self {
      return erfBackwardFloat(x: x.base.float, kept: kept.base.float, outputGradient: dy.base.float, into: dx.base.float, count: x.count)
    }
    let (xs, es, dys, dxs) = (x.base, kept.base, dy.base, dx.base)
    let half: S = 1 / 2, inverseRoot2Pi = S(1 / (2 * Double.pi).squareRoot())
    for k in 0..<x.count {
      let v = xs[k]
      let slope = half * (1 + es[k]) + v * S.exponential(-v * v * half) * inverseRoot2Pi
      dxs[k] = slope * dys[k]
    }
  }

  /// The Float32 forward loop: straight-line, so it runs eight entries per instruction.
  static func erfForwardFloat(x xs: UnsafeMutablePointer<Float>, count: Int, into ys: UnsafeMutablePointer<Float>,
                              keeping es: UnsafeMutablePointer<Float>) {
    let half: Float = 1 / 2, inverseRoot2 = Float(1 / 2.0.squareRoot())
    for k in 0..<count {
      let e = VectorFunctions.erf(xs[k] * inverseRoot2)
      es[k] = e
      ys[k] = half * xs[k] * (1 + e)
    }
  }

  /// The Float32 backward loop. An entry with `x²/2` past `exp`'s floor (`|x| > 13.2`), rare, is
  /// done again after the loop with libm's `expf`, so every `exp` is within its bound.
  static func erfBackwardFloat(x xs: UnsafeMutablePointer<Float>, kept es: UnsafeMutablePointer<Float>,
                               outputGradient dys: UnsafeMutablePointer<Float>, into dxs: UnsafeMutablePointer<Float>, count: Int) {
    let half: Float = 1 / 2, inverseRoot2Pi = Float(1 / (2 * Double.pi).squareRoot())
    let floor = VectorFunctions.exponentialFloor
    var beyond: Int32 = 0  // an integer or, not `||`: no branch in the loop
    for k in 0..<count {
      let v = xs[k]
      let argument = -v * v * half
      beyond |= argument >= floor ? 0 : 1
      let slope = half * (1 + es[k]) + v * VectorFunctions.exponential(argument) * inverseRoot2Pi
      dxs[k] = slope * dys[k]
    }
    guard beyond != 0 else { return }
    for k in 0..<count {
      let v = xs[k]
      let argument = -v * v * half
      guard argument < floor else { continue }
      dxs[k] = (half * (1 + es[k]) + v * Foundation.expf(argument) * inverseRoot2Pi) * dys[k]
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

extension UnsafeMutablePointer where Pointee: TrainScalar {
  /// The same memory as `Float`, for a generic kernel's Float32 path (`Pointee` is `Float`).
  @inline(__always) fileprivate var float: UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(self).assumingMemoryBound(to: Float.self)
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

/// `erf` and `exp` for Float32 in straight-line code (no branches, no calls), so that the loops
/// of the GELU kernels that call them run eight entries per instruction. libm's `erff` and `expf`
/// branch on their argument and are called per entry: they took about 15 % of a ViT step.
///
/// Accuracy, checked at every Float32 argument (`erf` on `[2^-149, 4.5]`, `exp` on `[-87, 0]`)
/// against the Double functions by evaluating these same operations in Float32 (NumPy): `erf`
/// within 1.58 ulp, `exp` within 1 ulp — a relative error of at most `1.58 · 2^-23 < 1.9e-7` where
/// the result is normal, and under `η = 2^-149` where it is subnormal: inside the `κ = 2^-21`
/// relative plus `4η` that the gradient audit's rounding models assume of `erff` and `expf`
/// (`GradientErrorBound.libmRelative`). Test: "Vector erf and exp" (a sample).
enum VectorFunctions {
  /// `erf(x)`: `x + x R(x²)` for `|x| < 1` (`R` degree 6, a weighted least-squares fit of
  /// `erf(x)/x − 1`), and `1 − exp(−x²) Q(1/x)` for `1 ≤ |x| ≤ 4` (`Q` degree 10, fitting
  /// `erfcx(x) = exp(x²) erfc(x)`); `|x| > 4` is taken as 4, whose `erf` rounds to 1. NaN stays NaN.
  @inline(__always) static func erf(_ x: Float) -> Float {
    let a = Swift.min(abs(x), 4)
    let s = a * a
    var r: Float = 7.843559433240443e-05
    r = r * s + -0.0008003825787454844
    r = r * s + 0.005187146831303835
    r = r * s + -0.026852870360016823
    r = r * s + 0.11283551156520844
    r = r * s + -0.3761261999607086
    r = r * s + 0.12837916612625122
    let small = a + a * r
    let t = 1 / a
    var q: Float = -0.03996533155441284
    q = q * t + 0.27474841475486755
    q = q * t + -0.8361342549324036
    q = q * t + 1.4612675905227661
    q = q * t + -1.5587186813354492
    q = q * t + 0.9209219217300415
    q = q * t + -0.07817477732896805
    q = q * t + -0.2827361226081848
    q = q * t + 0.0025891773402690887
    q = q * t + 0.5637614727020264
    q = q * t + 2.4153163394657895e-05
    let large = 1 - exponential(-s) * q
    return Float(signOf: x, magnitudeOf: a < 1 ? small : large)
  }

  /// The least argument `exponential` takes as it is: below, `exp` is under `2^-125.5` and its
  /// result would come out too large (a caller passes such entries to libm's `expf`).
  @inline(__always) static var exponentialFloor: Float { -87 }

  /// `exp(x)` for `exponentialFloor ≤ x ≤ 0` (outside, the argument is clamped; NaN is taken as
  /// the floor, so a caller keeps the NaN of its own operands): `2^n exp(r)` with `n` the nearest
  /// integer to `x log2(e)` (by adding `1.5 · 2^23`, whose sum keeps `n` in its low bits),
  /// `r = x − n ln 2` in two steps, and Cephes' `expf` polynomial for `exp(r)`.
  @inline(__always) static func exponential(_ x: Float) -> Float {
    let clamped = x >= exponentialFloor ? (x <= 0 ? x : 0) : exponentialFloor
    let shifted = clamped * 1.44269502 + 12582912
    let n = shifted - 12582912
    var r = clamped - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let y = p * (r * r) + r + 1
    // 2^n: the exponent field of n + 127 (from 1 at n = −126).
    let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
    return y * scale
  }
}
