import Foundation
import Train

/// GELU's rounding models, erf form and tanh form (`GELUTanh` inherits this conformance, so each
/// function branches on the form). Per entry, with `X̄ = |x| + E_x` bounding `|x̂|`:
///
/// - the error at `x̂` (the kernel's roundings, `erff`/`expf`/`tanhf` within the libm bound `κ`,
///   and the Float32 constants `1/√2`, `1/√(2π)`, `√(2/π)`, `0.044715`, each within two roundings
///   of the real one, being rounded from a Double);
/// - plus the propagation `L₁ E_x` forward and `L₂ E_x` for the slope backward, with `L₁ ≥ sup|y'|`
///   and `L₂ ≥ sup|y''|`. Erf form: `y' = Φ + xφ`, extreme at `±√2`, `|y'| ≤ 1.1290`; `y'' =
///   φ (2 − x²)`, `|y''| ≤ 2φ(0) < 0.7979`. Tanh form: `|y'| ≤ 1.1290` and `|y''| ≤ 0.7979` on a
///   grid of step 10⁻⁵ over [−12, 12] (outside, `y'` is within 10⁻³⁰ of 0 or 1 and `y''` of 0);
///   `L₁ = 1.15` and `L₂ = 0.82` cover both forms with a margin for the grid.
/// - Saturation (erf form): the segment from `x` to `x̂` lies in `[lo − E_x, hi + E_x]` (`[lo, hi]`
///   the enclosure), and there `L₁`, `L₂` are the suprema over that interval (`slopes`), which are
///   near 0 where the interval is far below 0 (and `L₁` near 1 far above).
extension GELU: GradientErrorModel, NormwiseErrorModel {
  static let slopeBound = 1.15
  static let curvatureBound = 0.82

  private var isTanhForm: Bool { self is GELUTanh }

  /// `sup |y'|` and `sup |y''|` over `[a, b]` for the erf form, at most `L₁` and `L₂` (the tanh
  /// form: those). `y' = Φ + zφ` decreases on `(−∞, −√2]`, increases on `[−√2, √2]`, decreases
  /// after, so its extremes over `[a, b]` are at the ends or at `±√2`; `y'' = φ(z)(2 − z²)` has
  /// `|y''|`'s critical points at `0` and `±2`. Double's `erfc` and `exp` are within a few ulps: the
  /// margin `10⁻¹²` covers them.
  func slopes(_ a: Double, _ b: Double) -> (first: Double, second: Double) {
    guard !isTanhForm, a.isFinite, b.isFinite, a <= b else { return (Self.slopeBound, Self.curvatureBound) }
    let phi = { (z: Double) in exp(-z * z / 2) / (2 * Double.pi).squareRoot() }
    let first = { (z: Double) in abs(erfc(-z / 2.0.squareRoot()) / 2 + z * phi(z)) }
    let second = { (z: Double) in abs(phi(z) * (2 - z * z)) }
    let root2 = 2.0.squareRoot()
    var l1 = max(first(a), first(b)), l2 = max(second(a), second(b))
    for c in [-root2, root2] where a <= c.nextUp && c.nextDown <= b { l1 = max(l1, first(c)) }
    for c in [-2.0, 0, 2] where a <= c && c <= b { l2 = max(l2, second(c)) }
    return (min(l1 + 1e-12, Self.slopeBound), min(l2 + 1e-12, Self.curvatureBound))
  }

  /// The interval holding the segment from entry `j`'s exact input to its Float32 one.
  private func segment(_ p: ErrorPropagation, at k: Int, _ j: Int, error: Double) -> (Double, Double) {
    let (lo, hi) = p.activations[k].doubleBounds(j)
    let e = error * GradientErrorBound.safety
    return ((lo - e).nextDown, (hi + e).nextUp)
  }

  /// Per entry, the error of `fl(1 + erf(x̂/√2))` (or `fl(1 + tanh(u(x̂)))`) against its value at
  /// `x̂` in reals, for `|x̂| ≤ X̄`.
  private func onePlusError(_ xBar: Double) -> Double {
    typealias B = GradientErrorBound
    let k = B.libmRelative, alpha = B.libmAbsolute
    let inner: Double
    if isTanhForm {
      // v³ as ((a v) v) v with a within 2 roundings: 5 roundings; the sum; c (2) and the product.
      let a = 0.044715, c = (2 / Double.pi).squareRoot()
      let cube = a * xBar * xBar * xBar
      let eCube = B.gamma(5) * cube + B.eta
      let eSum = eCube + B.u * (xBar + cube + eCube)
      let eArg = c * eSum + B.gamma(3) * c * (xBar + cube + eSum) + B.eta / 2
      // tanh is 1-Lipschitz and within κ|tanh| + 4η of itself, |tanh| ≤ min(1, |arg|).
      inner = eArg + k * min(1, c * (xBar + cube) + eArg) + alpha
    } else {
      // fl(x̂ · fl(1/√2)): 3 roundings; erf is 2/√π-Lipschitz, |erf(a)| ≤ min(1, 2|a|/√π).
      let eArg = B.gamma(3) * xBar / 2.0.squareRoot() + B.eta / 2
      let arg = xBar / 2.0.squareRoot() + eArg
      inner = 1.1284 * eArg + k * min(1, 1.1284 * arg) + alpha
    }
    return (inner + B.u * (2 + inner)) * B.safety
  }

  /// `ŷ = fl(fl(x̂/2) · s)`, `s` the sum above (at most 2 + its error).
  func forwardError(at k: Int, input: [Double], _ p: ErrorPropagation) -> [Double] {
    let parts = forwardParts(at: k, input: input, p)
    return input.indices.map { (parts.slope[$0] * input[$0] + parts.local[$0]) * GradientErrorBound.safety }
  }

  /// Per entry, the slope bound `L₁` over the segment and the rounding at `x̂`.
  private func forwardParts(at k: Int, input: [Double], _ p: ErrorPropagation) -> (slope: [Double], local: [Double]) {
    typealias B = GradientErrorBound
    let x = p.magnitudes[k]
    var (slope, local) = ([Double](), [Double]())
    for j in input.indices {
      let xBar = x[j] + input[j]
      let eS = onePlusError(xBar)
      local.append(xBar / 2 * eS + B.eta / 2 * (2 + eS) + B.u * (xBar / 2 + B.eta / 2) * (2 + eS) + B.eta / 2)
      let (a, b) = segment(p, at: k, j, error: input[j])
      slope.append(slopes(a, b).first)
    }
    return (slope, local)
  }

  /// `dx = fl(slope · dŷ)` against `y'(x) dy`: the slope's error at `x̂`, plus `L₂ E_x`.
  func backwardError(at k: Int, dy: [Double], needsInput: Bool, _ p: ErrorPropagation) -> (dx: [Double], parameters: [[Double]]) {
    typealias B = GradientErrorBound
    let x = p.magnitudes[k], ex = p.errors[k], seed = p.seedMagnitudes[k], exact = p.activations[k]
    let dx = dy.indices.map { j -> Double in
      let xBar = x[j] + ex[j]
      // The least |x̂|: the enclosure's distance from 0, less the error.
      let (lo, hi) = exact.doubleBounds(j)
      let xLow = max(0, (max(lo, -hi) - ex[j] * B.safety).nextDown)
      let (a, b) = segment(p, at: k, j, error: ex[j])
      let (l1, l2) = slopes(a, b)
      let slopeError = (slopeErrorAt(xBar, least: xLow, slope: l1) + l2 * ex[j]) * B.safety
      let s = l1
      return (s * dy[j] + seed[j] * slopeError + slopeError * dy[j] + B.u * (s + slopeError) * (seed[j] + dy[j]) + B.eta / 2) * B.safety
    }
    return (dx, [])
  }

  /// Norm-wise (`NormwiseErrorModel`), per row: forward `‖Δy‖ ≤ min(‖L₁ ⊙ E_x‖, max L₁ · N_x)`
  /// plus the rounding at `x̂`; backward `dx = fl(ŝ dŷ)` against `y'(x) dy`:
  /// `‖ŝ dŷ − y' dy‖ ≤ max L₁ · N_dy + ‖E_s (|dy| + E_dy)‖` plus the product's rounding, with
  /// `E_s` the slope's error (as in `backwardError`).
  func forwardNorms(at k: Int, input: [Double], inputNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let row = Normwise.rowLength(outputShape)
    let parts = forwardParts(at: k, input: input, p)
    let weighed = Normwise.rowNorms(input.indices.map { parts.slope[$0] * input[$0] }, row: row)
    return inputNorms.indices.map { r in
      let slopes = parts.slope[(r * row)..<(r * row + row)]
      let steepest = B.largest(slopes)
      let moved = Normwise.tighter(weighed[r], steepest * inputNorms[r] * B.safety)
      let rounding = Normwise.rowNorms(Array(parts.local[(r * row)..<(r * row + row)]), row: row)[0]
      return ((moved + rounding) * B.safety).nextUp
    }
  }

  func backwardNorms(at k: Int, dy: [Double], dyNorms: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let row = Normwise.rowLength(outputShape)
    let x = p.magnitudes[k], ex = p.errors[k], seed = p.seedMagnitudes[k], exact = p.activations[k]
    var l1 = [Double](), rest = [Double]()
    for j in dy.indices {
      let xBar = x[j] + ex[j]
      let (lo, hi) = exact.doubleBounds(j)
      let xLow = max(0, (max(lo, -hi) - ex[j] * B.safety).nextDown)
      let (a, b) = segment(p, at: k, j, error: ex[j])
      let (s, l2) = slopes(a, b)
      let slopeError = (slopeErrorAt(xBar, least: xLow, slope: s) + l2 * ex[j]) * B.safety
      l1.append(s)
      rest.append(((seed[j] + dy[j]) * slopeError + B.u * (s + slopeError) * (seed[j] + dy[j]) + B.eta / 2) * B.safety)
    }
    let restNorms = Normwise.rowNorms(rest, row: row)
    return dyNorms.indices.map { r in
      let steepest = B.largest(l1[(r * row)..<(r * row + row)])
      return ((steepest * dyNorms[r] + restNorms[r]) * B.safety).nextUp
    }
  }

  /// The error of the kernel's slope at `x̂` against `y'(x̂)`, for `least ≤ |x̂| ≤ X̄` and
  /// `|y'(x̂)| ≤ slope`.
  private func slopeErrorAt(_ xBar: Double, least: Double, slope: Double) -> Double {
    typealias B = GradientErrorBound
    let eS = onePlusError(xBar)
    // half (1 + erf) or half (1 + tanh): |·| ≤ 1 + eS/2.
    let eFirst = eS / 2 + B.u * (1 + eS / 2) + B.eta / 2
    let eSecond: Double
    if isTanhForm {
      // (((x/2)(1 − t̂²)) c)(1 + fl(fl(3a) x x)): t̂'s error eT (|t| ≤ 1); 1 − t̂² one rounding more.
      let eT = eS  // eS bounds the error of 1 + t̂, which is t̂'s plus a rounding: it covers t̂'s.
      let eSquare = 2 * eT + eT * eT + B.u * (1 + eT) * (1 + eT) + B.eta / 2
      let eOneMinus = eSquare + B.u * (1 + eSquare)
      let quadratic = 3 * 0.044715 * xBar * xBar
      let eQuadratic = B.gamma(4) * quadratic + B.eta
      let eF = eQuadratic + B.u * (1 + quadratic + eQuadratic)
      let c = (2 / Double.pi).squareRoot()
      let product = productPerturbation([(xBar / 2, B.eta / 2), (1, eOneMinus), (c, B.gamma(2) * c), (1 + quadratic, eF)])
      eSecond = product.error + B.gamma(3) * product.magnitude + 2 * B.eta
    } else {
      // fl(fl(−x̂ x̂)·½) is within δ = γ₂ X̄²/2 + η of −x̂²/2 ≤ 0, and both are at most
      // c₀ = min(0, −least²/2 + δ): exp moves by at most e^{c₀} expm1(δ); expf adds κ and 4η;
      // then (x̂ · ê) · fl(1/√(2π)): 4 roundings.
      let eExponent = B.gamma(2) * xBar * xBar / 2 + B.eta
      let ceiling = exp(min(0, -least * least / 2 + eExponent)) * B.safety
      let eExp = ceiling * expm1(eExponent) + B.libmRelative * ceiling + B.libmAbsolute
      let c = 1 / (2 * Double.pi).squareRoot()
      eSecond = xBar * eExp * c + B.gamma(4) * xBar * (ceiling * (1 + B.libmRelative) + B.libmAbsolute) * c + 2 * B.eta
    }
    return (eFirst + eSecond + B.u * (slope + eFirst + eSecond)) * B.safety
  }
}
