import Foundation
import Testing
@testable import Train

/// `VectorFunctions`, GELU's Float32 `erf` and `exp`, against the Double functions: within the
/// ulps its documentation states, hence within the `κ = 2^-21` relative error the gradient audit
/// assumes of libm (`GradientErrorBound.libmRelative`). The documented figures come from every
/// Float32 argument; these tests walk a sample of them.
@Suite("Vector erf and exp")
struct VectorFunctionsTests {
  static let kappa = 0x1p-21

  /// The error of `got` against the exact `exact`, in ulps of the Float32 nearest `exact`.
  static func ulps(_ got: Float, _ exact: Double) -> Double {
    abs(Double(got) - exact) / Double(Float(exact).magnitude.ulp)
  }

  /// Every 97th Float32 from `2^-126` up to 6, and their negatives.
  @Test func erfIsWithinOnePointSixUlps() {
    var (worst, worstRelative, count) = (0.0, 0.0, 0)
    var bits = Float.leastNormalMagnitude.bitPattern
    while bits < Float(6).bitPattern {
      let x = Float(bitPattern: bits)
      for v in [x, -x] {
        let (got, exact) = (VectorFunctions.erf(v), Foundation.erf(Double(v)))
        worst = max(worst, Self.ulps(got, exact))
        worstRelative = max(worstRelative, abs(Double(got) - exact) / abs(exact))
      }
      bits += 97 * 1024
      count += 1
    }
    #expect(count > 10_000)
    #expect(worst <= 1.58, "erf: \(worst) ulps")
    #expect(worstRelative <= Self.kappa, "erf: relative \(worstRelative)")
  }

  @Test func erfAtItsEdges() {
    #expect(VectorFunctions.erf(0) == 0 && VectorFunctions.erf(0).sign == .plus)
    #expect(VectorFunctions.erf(-0.0) == 0 && VectorFunctions.erf(-0.0).sign == .minus)
    #expect(VectorFunctions.erf(.infinity) == 1 && VectorFunctions.erf(-.infinity) == -1)
    #expect(VectorFunctions.erf(4) == 1 && VectorFunctions.erf(30) == 1 && VectorFunctions.erf(-5) == -1)
    #expect(VectorFunctions.erf(.nan).isNaN)
    // Either side of the switch from the series to `1 − exp(−x²) Q`.
    for x in [Float(1).nextDown, 1, Float(1).nextUp, Float.leastNonzeroMagnitude, 1e-30] {
      #expect(Self.ulps(VectorFunctions.erf(x), Foundation.erf(Double(x))) <= 1.58, "erf(\(x))")
    }
  }

  @Test func expIsWithinOneUlpDownToItsFloor() {
    var worst = 0.0
    var x: Float = 0
    while x >= VectorFunctions.exponentialFloor {
      worst = max(worst, Self.ulps(VectorFunctions.exponential(x), Foundation.exp(Double(x))))
      x -= 0.000731
    }
    for x in [VectorFunctions.exponentialFloor, -0.0, Float(-1e-30), -Float(log(2.0)) / 2] {
      worst = max(worst, Self.ulps(VectorFunctions.exponential(x), Foundation.exp(Double(x))))
    }
    #expect(worst <= 0.98, "exp: \(worst) ulps")
  }

  /// Past `exp`'s floor (`x²/2 > 87`) the backward pass takes libm's `expf`: the vector `exp`
  /// would give `exp(−87)`, some `10^5` times too large at `x = −14`.
  @Test func geluSlopesFarOutUseLibm() {
    var x: [Float] = [-14, -20, -13.5, 13.5, -1, 0.5]
    let count = x.count
    var kept = [Float](repeating: 0, count: count), y = kept, dx = kept
    var dy = [Float](repeating: 1, count: count)
    x.withUnsafeMutableBufferPointer { x in
      kept.withUnsafeMutableBufferPointer { kept in
        y.withUnsafeMutableBufferPointer { y in
          dy.withUnsafeMutableBufferPointer { dy in
            dx.withUnsafeMutableBufferPointer { dx in
              GELU.erfForwardFloat(x: x.baseAddress!, count: count, into: y.baseAddress!, keeping: kept.baseAddress!)
              GELU.erfBackwardFloat(x: x.baseAddress!, kept: kept.baseAddress!, outputGradient: dy.baseAddress!,
                                    into: dx.baseAddress!, count: count)
            }
          }
        }
      }
    }
    let c = Float(1 / (2 * Double.pi).squareRoot())
    for k in 0..<4 {
      let v = x[k]
      #expect(dx[k] == 0.5 * (1 + kept[k]) + v * expf(-v * v * 0.5) * c, "x = \(v): \(dx[k])")
    }
    #expect(dx[0] != 0 && abs(dx[0]) < 1e-40)
    for k in 4..<count {
      let v = Double(x[k])
      let exact = 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot())) + v * Foundation.exp(-v * v / 2) / (2 * Double.pi).squareRoot()
      #expect(abs(Double(dx[k]) - exact) <= 4e-7 * abs(exact), "x = \(v): \(dx[k]) vs \(exact)")
    }
  }
}
