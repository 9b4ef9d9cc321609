import Exact

extension ReLULayer: BoundLayer {
  public var kind: String { "relu" }
  public var inputWidth: Int { width }
  public var outputWidth: Int { width }
  public var isAffine: Bool { false }
  public var tightensOnlyStraddlingZero: Bool { true }

  public func output(at input: [Rational]) -> [Rational] {
    precondition(input.count == width, "relu: \(input.count) inputs, the layer takes \(width)")
    return input.map { $0.signum > 0 ? $0 : 0 }
  }

  public func transformer<A: BoundArithmetic>(in arithmetic: A) -> any EnclosureTransformer<A> {
    ReLUEnclosure(arithmetic: arithmetic)
  }
}

/// ReLU on enclosures: exact on boxes (`[max(0, l), max(0, u)]`), relaxed for CROWN.
struct ReLUEnclosure<Arithmetic: BoundArithmetic>: EnclosureTransformer {
  typealias Bound = Arithmetic.Bound
  let arithmetic: Arithmetic

  func propagate(_ input: [Bound]) -> [Bound] { input.map(arithmetic.relu) }

  /// Each `h_j = relu(z_j)` replaced by a linear bound in `z_j` on the side `λ_j`'s sign calls for
  /// (`ReLURelaxation`); a coefficient whose enclosure straddles 0 (only from rounding, so it is
  /// tiny) multiplies the enclosure of `h_j` itself, moved into the constant.
  func substitute(_ rows: inout [[Bound]], _ constants: inout [Bound], input: [Bound]) {
    let relaxations = input.map { ReLURelaxation(lower: arithmetic.lower($0), upper: arithmetic.upper($0), arithmetic) }
    let zero = arithmetic.enclosure(Rational(0))
    for r in rows.indices {
      for j in input.indices {
        let coefficient = rows[r][j]
        switch relaxations[j] {
        case .inactive:
          rows[r][j] = zero  // h_j = 0 on the box
        case .active:
          break  // h_j = z_j on the box
        case let .unstable(lowerSlopeIsOne, chordSlope, chordIntercept):
          if arithmetic.isNonnegative(coefficient) {
            // λ ≥ 0 needs h_j from below: h ≥ 0 and h ≥ z both hold.
            if !lowerSlopeIsOne { rows[r][j] = zero }
          } else if arithmetic.isNonpositive(coefficient) {
            // λ ≤ 0 needs h_j from above: the chord s z + t.
            rows[r][j] = arithmetic.product(coefficient, chordSlope)
            arithmetic.addProduct(&constants[r], coefficient, chordIntercept)
          } else {
            arithmetic.addProduct(&constants[r], coefficient, arithmetic.relu(input[j]))
            rows[r][j] = zero
          }
        }
      }
    }
  }
}

/// How one ReLU is replaced by linear bounds, given its pre-activation bounds `[l, u]`.
enum ReLURelaxation<Arithmetic: BoundArithmetic> {
  /// `u ≤ 0`: the ReLU is 0.
  case inactive
  /// `l ≥ 0`: the ReLU is the identity.
  case active
  /// `l < 0 < u`: below by `0` (`lowerSlopeIsOne` false, when `−l > u`) or `z`; above by the
  /// chord `s z + t` with `s = u / (u − l)` and `t = −u l / (u − l)`, as enclosures.
  case unstable(lowerSlopeIsOne: Bool, chordSlope: Arithmetic.Bound, chordIntercept: Arithmetic.Bound)

  init(lower l: Rational, upper u: Rational, _ arithmetic: Arithmetic) {
    if u.signum <= 0 {
      self = .inactive
    } else if l.signum >= 0 {
      self = .active
    } else {
      let width = arithmetic.enclosure(u - l)
      self = .unstable(
        lowerSlopeIsOne: -l <= u,
        chordSlope: arithmetic.quotient(arithmetic.enclosure(u), width),
        chordIntercept: arithmetic.quotient(arithmetic.enclosure(-(u * l)), width))
    }
  }
}
