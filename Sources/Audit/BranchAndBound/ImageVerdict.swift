/// What a complete verifier concluded about one image at one ε.
public enum Verdict: String, Sendable, Codable {
  /// Every margin is provably positive over the ball (a sound bound).
  case certified
  /// A point of the ball that the exact network misclassifies was found and checked exactly.
  case falsified
  /// Neither, when the time ran out (or the method cannot decide: α-CROWN never falsifies).
  case unknown
}

/// The outcome of α-CROWN or branch and bound on one image.
public struct ImageVerdict: Sendable {
  public var verdict: Verdict
  /// A sound lower bound of the worst margin over the ball (over the whole ball: the largest of
  /// the methods' bounds before any split), `−∞` where none.
  public var marginLower: Double
  /// For a falsified image, the point found (each coordinate a Double, exact, inside the clipped
  /// ball, misclassified by the exact network).
  public var counterexample: [Double]?
  /// Subdomains bounded by branch and bound (0 for α-CROWN).
  public var domains: Int
}
