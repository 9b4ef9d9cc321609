public import Exact

public import Intervals
extension NumericCheck {
  /// What a check found.
  public enum Outcome: Sendable, CustomStringConvertible {
    /// This many samples were evaluated, and at each the sides agreed (exactly, or with overlapping
    /// enclosures).
    case passed(trials: Int)
    /// A sample where the sides certainly differ.
    case counterexample(Counterexample)
    /// No sample could be evaluated, or the statement cannot be evaluated at all; the reason.
    case inconclusive(String)

    public var description: String {
      switch self {
      case let .passed(trials): return "passed \(trials) trial\(trials == 1 ? "" : "s")"
      case let .counterexample(c): return "counterexample: \(c)"
      case let .inconclusive(reason): return "inconclusive: \(reason)"
      }
    }
  }

  /// What one sample showed.
  public enum Trial: Sendable {
    /// Both sides were evaluated and agree: equal rationals, or overlapping enclosures.
    case agreed(lhs: Value, rhs: Value)
    /// The sides certainly differ.
    case disagreed(Counterexample)
    /// The sample says nothing: a hypothesis is false or undecided there, or a side is undefined.
    case skipped(String)
  }

  /// The value of one side at a sample: exact, or an enclosure of the real value.
  public enum Value: Sendable, CustomStringConvertible {
    case exact(Rational)
    case enclosure(Interval)

    public var description: String {
      switch self {
      case let .exact(q): return q.description
      case let .enclosure(x): return x.description
      }
    }
  }

  /// A sample at which the two sides of a statement certainly differ: different rationals, or
  /// disjoint enclosures.
  public struct Counterexample: Sendable, CustomStringConvertible {
    /// The sizes, free indices, tensor values (direction and seed tensors included) and named
    /// constants of the sample.
    public let environment: Environment
    public let lhs: Value
    public let rhs: Value

    /// `n = 2; j = 1; x = [1/2, -3]; left side = 1, right side = -6`, names sorted.
    public var description: String {
      var parts: [String] = []
      let sizes = environment.dimensions.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
      let indices = environment.indices.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
      if !sizes.isEmpty { parts.append(sizes.joined(separator: ", ")) }
      if !indices.isEmpty { parts.append(indices.joined(separator: ", ")) }
      for (name, value) in environment.tensors.sorted(by: { $0.key < $1.key }) {
        parts.append("\(name) = [\(value.values.map(\.description).joined(separator: ", "))]")
      }
      for (name, value) in environment.named.sorted(by: { $0.key < $1.key }) { parts.append("\(name) = \(value)") }
      parts.append("left side = \(lhs), right side = \(rhs)")
      return parts.joined(separator: "; ")
    }
  }
}
