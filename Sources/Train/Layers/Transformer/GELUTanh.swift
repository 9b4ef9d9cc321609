/// GELU's tanh approximation (PyTorch's `approximate='tanh'`), certified block `gelu_tanh`
/// (`Theorems/transformer.thm`): with `u = √(2/π) (x + 0.044715 x³)`,
/// `y = (1/2) x (1 + tanh(u))`,
/// `vjp x = ((1/2)(1 + tanh(u)) + (1/2) x (1 - tanh(u)²) √(2/π) (1 + 0.134145 x²)) dy`.
///
/// Another function than `GELU`'s erf form, hence its own block; the layer plumbing is `GELU`'s.
public final class GELUTanh: GELU {
  public override class var certifiedBlock: String { "gelu_tanh" }

  static let cubic = 0.044715

  override class func forwardFloat(x: UnsafeMatrix<Float>, into y: UnsafeMatrix<Float>) { tanhForward(x: x, into: y) }
  override class func backwardFloat(x: UnsafeMatrix<Float>, outputGradient dy: UnsafeMatrix<Float>, into dx: UnsafeMatrix<Float>) {
    tanhBackward(x: x, outputGradient: dy, into: dx)
  }
  override class func forward<S: TrainScalar>(x: UnsafeMatrix<S>, into y: UnsafeMatrix<S>) { tanhForward(x: x, into: y) }
  override class func backward<S: TrainScalar>(x: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>) {
    tanhBackward(x: x, outputGradient: dy, into: dx)
  }

  static func tanhForward<S: TrainScalar>(x: UnsafeMatrix<S>, into y: UnsafeMatrix<S>) {
    let (xs, ys) = (x.base, y.base)
    let half: S = 1 / 2, c = S((2 / Double.pi).squareRoot()), a = S(cubic)
    for k in 0..<x.count {
      let v = xs[k]
      ys[k] = half * v * (1 + S.hyperbolicTangent(c * (v + a * v * v * v)))
    }
  }

  static func tanhBackward<S: TrainScalar>(x: UnsafeMatrix<S>, outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>) {
    let (xs, dys, dxs) = (x.base, dy.base, dx.base)
    let half: S = 1 / 2, c = S((2 / Double.pi).squareRoot()), a = S(cubic), a3 = S(3 * cubic)
    for k in 0..<x.count {
      let v = xs[k]
      let t = S.hyperbolicTangent(c * (v + a * v * v * v))
      dxs[k] = (half * (1 + t) + half * v * (1 - t * t) * c * (1 + a3 * v * v)) * dys[k]
    }
  }
}
