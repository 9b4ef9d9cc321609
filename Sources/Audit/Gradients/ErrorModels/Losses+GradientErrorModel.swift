import Foundation
import Train

extension SoftmaxCrossEntropy: LossErrorModel {
  /// `(softmax(z) − t) / B` through log-sum-exp with the max subtracted (Docs/Audits.md). `|p̂ − p|`
  /// is at most `max(p̂, p)` (both non-negative) whatever the logits' errors, `p̂` at most
  /// `SoftmaxRow.saturatedWeight` (the kernel's `fl(ê / ŝ)` has one rounding fewer): the seed's
  /// error stays below about `1/B` where the logits' error makes `e^{2δ}` useless. A NaN logit
  /// error leaves the example's seed unbounded.
  func seedError(logits: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let classes = p.widths.last!, batch = p.batch
    let top = p.seedMagnitudes.last!, magnitudes = p.magnitudes.last!
    let inverseBatch = 1 / Double(batch)
    var seedError = Array(repeating: 0.0, count: batch * classes)
    for b in 0..<batch {
      let row = b * classes
      var delta = 0.0, largest = 0.0
      for j in 0..<classes {
        delta = B.largest(delta, logits[row + j])
        largest = B.largest(largest, magnitudes[row + j] + logits[row + j])
      }
      let shift = expm1(2 * B.u * largest)
      let rhoE = shift + B.libmRelative + B.libmRelative * shift
      let alpha = B.libmAbsolute
      let epsLow = rhoE + B.gamma(classes) + 2 * Double(classes) * alpha
      let rhoP = (rhoE + B.u + rhoE * B.u + epsLow) / (1 - epsLow)
      let absoluteP = 3 * alpha + B.eta
      let spread = expm1(2 * delta)
      let unbounded = (0..<classes).contains { logits[row + $0].isNaN }
      let ceiling = SoftmaxRow.saturatedWeight(classes)
      for i in 0..<classes {
        let isTarget = p.enclosure.targets.isZero(row + i) ? 0.0 : 1.0
        let q = Double(batch) * top[row + i] + isTarget  // p = B g + t
        let moved = q * spread + rhoP * q * (1 + spread) + absoluteP
        let deltaP = unbounded ? .infinity : epsLow < 1 && !moved.isNaN ? min(moved, max(q, ceiling)) : max(q, ceiling)
        seedError[row + i] = (inverseBatch * deltaP * (1 + B.gamma(3)) + B.gamma(3) * top[row + i] + B.eta / 2) * B.safety
      }
    }
    return seedError
  }
}

extension MeanSquaredError: LossErrorModel {
  /// `(2/n)(y − t) / B`.
  func seedError(logits: [Double], _ p: ErrorPropagation) -> [Double] {
    typealias B = GradientErrorBound
    let classes = p.widths.last!, top = p.seedMagnitudes.last!
    let inverseBatch = 1 / Double(p.batch)
    return logits.indices.map { j in
      (2 / Double(classes) * inverseBatch * logits[j] * (1 + B.gamma(5)) + B.gamma(5) * top[j] + B.eta) * B.safety
    }
  }
}
