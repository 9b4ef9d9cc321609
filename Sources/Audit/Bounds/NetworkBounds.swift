/// Sound bounds for one input over a box of inputs: the pre-activations of every hidden layer and
/// the margins `z_true − z_j` of the output layer.
///
/// Every bound holds for the exact real-number network at every point of the box:
/// `hiddenLower[k][i] ≤ z_{k+1, i}(x) ≤ hiddenUpper[k][i]` and
/// `marginLower[r] ≤ z_true(x) − z_{otherClasses[r]}(x) ≤ marginUpper[r]`.
///
/// `Value` is `Rational` for the exact and MPFI tiers (MPFI endpoints are dyadic rationals, given
/// exactly) and `Double` for the Float64 tier (whose bounds are exact Doubles; an overflow shows as
/// an infinite bound, never NaN).
public struct NetworkBounds<Value: Comparable & Sendable & ExpressibleByIntegerLiteral>: Sendable {
  /// The class whose margins are bounded.
  public let trueClass: Int
  /// The other classes, in increasing order: the margins' order.
  public let otherClasses: [Int]
  /// Lower bounds of each hidden layer's pre-activations, first hidden layer first (for CROWN,
  /// the intersection of IBP and CROWN bounds that the relaxations used).
  public let hiddenLower: [[Value]]
  /// Upper bounds of each hidden layer's pre-activations.
  public let hiddenUpper: [[Value]]
  /// Lower bounds of the margins: IBP's, or for CROWN the larger of CROWN's and IBP's.
  public let marginLower: [Value]
  /// Upper bounds of the margins (IBP's, for both methods).
  public let marginUpper: [Value]
  /// CROWN's own margin lower bounds, before the larger of it and IBP's is taken; nil for IBP.
  public let crownMarginLower: [Value]?

  /// True when every margin is provably positive: no point of the box changes the class.
  public var isCertified: Bool { marginLower.allSatisfy { $0 > 0 } }
}
