/// The methods of a robustness audit: IBP and CROWN in every tier, and in the Float64 tier
/// α-CROWN and branch and bound (`BranchAndBound`), which search image by image.
public enum RobustnessMethod: String, Sendable, CaseIterable, Codable {
  /// Interval bound propagation.
  case ibp
  /// Linear relaxation (CROWN) with intermediate bounds from the intersection of IBP and CROWN.
  case crown
  /// CROWN with the lower slopes of unstable ReLUs optimized per image and margin.
  case alphaCROWN = "alpha-crown"
  /// Branch and bound over ReLU splits on α-CROWN with the splits' multipliers (β-CROWN-style):
  /// certified, falsified or unknown at a time limit.
  case bab

  /// The method of a bound computation.
  public init(_ method: BoundMethod) {
    self = method == .ibp ? .ibp : .crown
  }

  /// The bound computation of IBP and CROWN; nil for the methods that search.
  public var bound: BoundMethod? {
    switch self {
    case .ibp: .ibp
    case .crown: .crown
    case .alphaCROWN, .bab: nil
    }
  }

  /// Whether the method bounds image by image with a search (the Float64 tier only).
  public var searches: Bool { bound == nil }
}
