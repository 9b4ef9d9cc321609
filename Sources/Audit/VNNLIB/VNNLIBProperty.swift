import Exact
import Foundation

/// A VNN-LIB property: a box of inputs and a region of outputs — the *violation* the verifier looks
/// for. The property is `sat` when some input of the box maps into the region, `unsat` when none
/// does (the network is proved safe).
///
/// The region is a disjunction of conjunctions of linear constraints on the outputs, the form of
/// VNN-COMP's image benchmarks: `(assert (or (and (>= Y_3 Y_7)) (and (>= Y_5 Y_7)) ...))` says
/// "some other class scores at least class 7". Numbers are read exactly (`0.1` is 1/10).
///
/// ```
/// (declare-const X_0 Real)
/// (declare-const Y_0 Real)
/// (declare-const Y_1 Real)
/// (assert (>= X_0 0.25))
/// (assert (<= X_0 0.75))
/// (assert (>= Y_1 Y_0))
/// ```
public struct VNNLIBProperty: Sendable {
  /// The input box (every `X_i` bounded below and above).
  public let box: InputBox
  /// The number of outputs `Y_j` declared.
  public let outputCount: Int
  /// The output region: the property is violated where all constraints of some disjunct hold.
  public let disjuncts: [[OutputConstraint]]

  /// The most disjuncts the output constraints may expand to (conjunctions of disjunctions
  /// multiply out).
  public static let maximumDisjuncts = 10_000

  /// Reads the property in `text`; `path` names it in errors.
  /// - Throws: `VNNLIBError` with the line and column of what is not read.
  public init(text: String, path: String = "<vnnlib>") throws(VNNLIBError) {
    var reader = VNNLIBReader(path: path)
    for expression in try readExpressions(text, path: path) { try reader.read(expression) }
    (box, outputCount, disjuncts) = try reader.finish()
  }

  /// Reads the property in the file at `path`.
  public init(contentsOf path: String) throws(VNNLIBError) {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
      throw VNNLIBError(path, VNNLIBPosition(line: 1, column: 1), "cannot be read: \((error as NSError).localizedDescription)")
    }
    try self.init(text: text, path: path)
  }

  /// Whether outputs `y` lie in the region, exactly.
  public func isViolated(by y: [Rational]) -> Bool {
    disjuncts.contains { $0.allSatisfy { $0.holds(at: y) } }
  }
}

/// One linear constraint on the outputs: `Σ_j coefficients[j] · Y_j ≤ bound`, or `<` when strict.
public struct OutputConstraint: Sendable, Equatable {
  public let coefficients: [Rational]
  public let bound: Rational
  public let strict: Bool

  /// Whether the constraint holds at `y`, exactly.
  public func holds(at y: [Rational]) -> Bool {
    let value = zip(coefficients, y).reduce(Rational(0)) { $0 + $1.0 * $1.1 }
    return strict ? value < bound : value <= bound
  }
}
