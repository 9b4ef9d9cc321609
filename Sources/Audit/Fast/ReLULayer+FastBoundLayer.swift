extension ReLULayer: FastBoundLayer {
  func fastTransformer() -> any FastTransformer { FastReLU(width: width) }
}

/// ReLU in the fast tier: exact on boxes, relaxed per box for CROWN (`ReLUTable`).
struct FastReLU: FastTransformer {
  let width: Int
  var inputWidth: Int { width }
  var outputWidth: Int { width }

  /// `[max(0, lo), max(0, hi)]` (bounds are never NaN here).
  func propagate(_ input: BoxBatch, _ workspace: FastWorkspace) -> BoxBatch {
    BoxBatch(
      count: input.count, width: input.width,
      lower: input.lower.map { $0 > 0 ? $0 : 0 }, upper: input.upper.map { $0 > 0 ? $0 : 0 })
  }

  func linearization(on input: BoxBatch) -> any FastLinearization { ReLUTable(bounds: input) }

  func forward(_ x: [Double]) -> [Double] { x.map { max($0, 0) } }

  func pullback(_ dy: [Double], at x: [Double]) -> [Double] { zip(dy, x).map { $1 > 0 ? $0 : 0 } }
}

/// The linear bounds of a ReLU layer for every box of a batch, as coefficient tables: for a
/// coefficient λ_j ≥ 0 the lower bound `slopePositive · z`, for λ_j < 0 the upper bound
/// `slopeNegative · z + intercept`. Inactive: slopes 0; active: slopes 1; unstable: the adaptive
/// lower slope (0 if −l > u, else 1) and the chord with ŝ in [0, 1], t̂ rounded up.
///
/// The chord's coefficient `P_j = fl(λ_j ŝ)` differs from `λ_j ŝ` by at most `u|P_j| + η`, and
/// `|z_j| ≤ z̄_j = max(−l_j, u_j)` on the box, which costs `u Σ|P_j| z̄_j + η Σ z̄_j`; the chords'
/// intercepts add `Σ λ_j t̂_j ≤ 0`, rounded down.
///
/// α-CROWN and branch and bound (`init(bounds:lowerSlopes:shifts:)`) choose the lower slope `α` of
/// each unstable ReLU in [0, 1] (`relu(z) ≥ α z` for every such α), whose product `fl(λ_j α)` is
/// charged like the chord's; and add a shift `σ_j` to `P_j` where the sign of `z_j` is known on the
/// box (β-CROWN's multiplier of a split): `σ_j ≤ 0` where `l_j ≥ 0`, `σ_j ≥ 0` where `u_j ≤ 0`, so
/// `σ_j z_j ≤ 0` and `m ≥ Σ P_j z_j + γ ≥ Σ fl(P_j + σ_j) z_j + γ` (rounding is monotone, so
/// `fl(P_j + σ_j) − P_j` has the sign of `σ_j`). A shift of the wrong sign is dropped.
final class ReLUTable: FastLinearization {
  let width: Int
  let slopePositive: UnsafeMutablePointer<Double>
  let slopeNegative: UnsafeMutablePointer<Double>
  let intercept: UnsafeMutablePointer<Double>
  /// `z̄ = max(−l, u)` for unstable ReLUs (where the chord's coefficient is rounded), else 0.
  let reach: UnsafeMutablePointer<Double>
  /// `z̄` where the lower slope is fractional (its product is rounded), else 0.
  let lowerReach: UnsafeMutablePointer<Double>
  /// `σ`, added to each coefficient after the slope (zero unless given).
  let shift: UnsafeMutablePointer<Double>
  /// Per box: all bounds of this layer finite.
  let finite: [Bool]
  /// CROWN's own tables (no slopes or shifts given): a coefficient 0 stays 0 and costs nothing.
  let isPlain: Bool

  /// CROWN's tables: the adaptive lower slope, no shifts.
  convenience init(bounds: BoxBatch) {
    self.init(bounds: bounds, lowerSlopes: nil, shifts: nil)
  }

  /// Tables with the lower slope of each unstable ReLU taken from `lowerSlopes` (clamped to
  /// [0, 1]; NaN means the adaptive one) and the shifts `σ` of `shifts` kept where their sign is
  /// sound; both `[count, width]` like the bounds.
  init(bounds: BoxBatch, lowerSlopes: [Double]?, shifts: [Double]?) {
    let count = bounds.count * bounds.width
    precondition(lowerSlopes.map { $0.count == count } ?? true, "ReLUTable: one slope per bound")
    precondition(shifts.map { $0.count == count } ?? true, "ReLUTable: one shift per bound")
    width = bounds.width
    isPlain = lowerSlopes == nil && shifts == nil
    slopePositive = .allocate(capacity: count)
    slopeNegative = .allocate(capacity: count)
    intercept = .allocate(capacity: count)
    reach = .allocate(capacity: count)
    lowerReach = .allocate(capacity: count)
    lowerReach.initialize(repeating: 0, count: count)
    shift = .allocate(capacity: count)
    shift.initialize(repeating: 0, count: count)
    var finite = [Bool](repeating: true, count: bounds.count)
    for q in 0..<count {
      let l = bounds.lower[q], u = bounds.upper[q]
      if !(l.isFinite && u.isFinite) { finite[q / bounds.width] = false }
      if u <= 0 {
        (slopePositive[q], slopeNegative[q], intercept[q], reach[q]) = (0, 0, 0, 0)
        if let shifts, shifts[q] > 0, shifts[q].isFinite { shift[q] = shifts[q] }  // σ z ≤ 0 where z ≤ 0
      } else if l >= 0 {
        (slopePositive[q], slopeNegative[q], intercept[q], reach[q]) = (1, 1, 0, 0)
        if let shifts, shifts[q] < 0, shifts[q].isFinite { shift[q] = shifts[q] }  // σ z ≤ 0 where z ≥ 0
      } else {
        var slope = u / (u - l)
        if !(slope >= 0) { slope = 0 }
        if slope > 1 { slope = 1 }
        // ŝ l + t̂ ≥ 0 and ŝ u + t̂ ≥ u: t̂ ≥ ŝ(−l) and t̂ ≥ u(1 − ŝ), each rounded up.
        let rest = (1 - slope).nextUp
        slopePositive[q] = -l > u ? 0 : 1
        slopeNegative[q] = slope
        intercept[q] = maximumPropagatingNaN((slope * -l).nextUp, (u * rest).nextUp)
        reach[q] = maximumPropagatingNaN(-l, u)
        if let alpha = lowerSlopes?[q], !alpha.isNaN {
          let clamped = min(max(alpha, 0), 1)
          slopePositive[q] = clamped
          if clamped != 0 && clamped != 1 { lowerReach[q] = reach[q] }
        }
      }
    }
    self.finite = finite
  }

  deinit {
    slopePositive.deallocate()
    slopeNegative.deallocate()
    intercept.deallocate()
    reach.deallocate()
    lowerReach.deallocate()
    shift.deallocate()
  }

  /// `γ` after the substitution, rounded down: less the chords' intercepts `Σ λ_j t̂_j` (every
  /// term ≤ 0) and the rounding of `P_j = fl(λ_j ŝ_j)`, `u Σ|P_j| z̄_j + η Σ z̄_j`, from the
  /// computed sums (any order). One formula for full rows, patches and `PoolReLUConvStep`.
  static func substitutedGamma(
    _ gamma: Double, interceptSum: Double, chordSum: Double, reachSum: Double, error: DotProductError
  ) -> Double {
    let unit = DotProductError.unitRoundoff, eta = DotProductError.smallestSubnormal
    let interceptTerm = error.upperBoundOfNonnegative(interceptSum)
    let roundingTerm = ((unit * error.upperBoundOfNonnegative(chordSum)).nextUp
      + (eta * error.upperBoundOfNonnegative(reachSum)).nextUp).nextUp
    return ((gamma - interceptTerm).nextDown - roundingTerm).nextDown
  }

  /// Replaces each row's `λ` by `P` in place (`λ_j ≥ 0`: the lower slope; `λ_j < 0`: the chord's),
  /// then by `fl(P + σ)`, and lowers `γ` by the intercepts and the rounding of `P`.
  func substitute(rows: ArraySlice<Int>, gamma: inout [Double], _ workspace: FastWorkspace) {
    let n = width
    let error = DotProductError(length: n)
    let lambda = workspace.existing(.lambda, count: rows.count * n)
    for (s, b) in rows.enumerated() {
      let row = lambda + s * n, t = b * n
      var intercepts = SIMD8<Double>(repeating: 0), chordAbsolute = SIMD8<Double>(repeating: 0)
      var reaches = SIMD8<Double>(repeating: 0), coefficients = SIMD8<Double>(repeating: 0)
      var j = 0
      while j + 8 <= n {
        let l = load8(row, j)
        let positive = l .>= 0
        let slope = load8(slopeNegative + t, j).replacing(with: load8(slopePositive + t, j), where: positive)
        let pj = l * slope
        store8(pj + load8(shift + t, j), row, j)
        let z = load8(reach + t, j).replacing(with: load8(lowerReach + t, j), where: positive)
        intercepts += ((-l) * load8(intercept + t, j)).replacing(with: 0, where: positive)
        chordAbsolute += magnitude8(pj) * z
        reaches += z
        coefficients += magnitude8(l)
        j += 8
      }
      var interceptSum = intercepts.sum(), chordSum = chordAbsolute.sum(), reachSum = reaches.sum()
      var coefficientSum = coefficients.sum()
      while j < n {
        let l = row[j], positive = l >= 0
        let pj = l * (positive ? slopePositive[t + j] : slopeNegative[t + j])
        row[j] = pj + shift[t + j]
        let z = positive ? lowerReach[t + j] : reach[t + j]
        interceptSum += positive ? 0 : -l * intercept[t + j]
        chordSum += pj.magnitude * z
        reachSum += z
        coefficientSum += l.magnitude
        j += 1
      }
      let g = ReLUTable.substitutedGamma(gamma[s], interceptSum: interceptSum, chordSum: chordSum, reachSum: reachSum, error: error)
      // a box whose bounds here overflowed gets no bound
      gamma[s] = finite[b] && g.isFinite && coefficientSum.isFinite ? g : .nan
    }
  }
}
