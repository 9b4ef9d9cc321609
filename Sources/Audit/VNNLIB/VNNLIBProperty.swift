import Exact
import Foundation

/// A VNN-LIB property: boxes of inputs, each with a region of outputs — the *violation* the
/// verifier looks for. The property is `sat` when some input of a box maps into that box's region,
/// `unsat` when none does (the network is proved safe).
///
/// A region is a disjunction of conjunctions of linear constraints on the outputs, the form of
/// VNN-COMP's image benchmarks: `(assert (or (and (>= Y_3 Y_7)) (and (>= Y_5 Y_7)) ...))` says
/// "some other class scores at least class 7". Most files give one box; a disjunction over the
/// inputs (`(assert (or (and X-box) (and X-box)))`, or `(or (and X-box Y-region) ...)`) gives
/// several, each a `VNNLIBCase`. Numbers are read exactly (`0.1` is 1/10).
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
  /// The number of inputs `X_i` declared.
  public let inputCount: Int
  /// The number of outputs `Y_j` declared.
  public let outputCount: Int
  /// The boxes with their regions, in the order the file first gives each box.
  public let cases: [VNNLIBCase]

  /// The most disjuncts the constraints may expand to (conjunctions of disjunctions multiply out).
  public static let maximumDisjuncts = 10_000

  /// Reads the property in `text`; `path` names it in errors.
  /// - Throws: `VNNLIBError` with the line and column of what is not read.
  public init(text: String, path: String = "<vnnlib>") throws(VNNLIBError) {
    var reader = VNNLIBReader(path: path)
    for expression in try readExpressions(text, path: path) { try reader.read(expression) }
    (inputCount, outputCount, cases) = try reader.finish()
  }

  /// Reads the property in the file at `path`.
  public init(contentsOf path: String) throws(VNNLIBError) {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
      throw VNNLIBError(path, VNNLIBPosition(line: 1, column: 1), "cannot be read: \((error as NSError).localizedDescription)")
    }
    try self.init(text: text, path: path)
  }

  /// The disjuncts of all cases together.
  public var disjunctCount: Int { cases.reduce(0) { $0 + $1.disjuncts.count } }

  /// Whether input `x` with outputs `y` violates the property, exactly: some case's box holds `x`
  /// and its region `y`.
  public func isViolated(input x: [Rational], outputs y: [Rational]) -> Bool {
    cases.contains { $0.box.contains(x) && $0.isViolated(by: y) }
  }
}

/// One box of a VNN-LIB property and the region of outputs looked for over it.
public struct VNNLIBCase: Sendable, Equatable {
  /// The input box (every `X_i` bounded below and above).
  public let box: InputBox
  /// The region: the property is violated where all constraints of some disjunct hold.
  public let disjuncts: [[OutputConstraint]]

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
