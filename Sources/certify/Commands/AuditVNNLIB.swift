import ArgumentParser
import Audit
import Exact
import Foundation
import Train

/// `certify audit vnnlib`: decides a VNN-LIB property of a network, soundly.
struct AuditVNNLIB: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vnnlib",
    abstract: "Decide a VNN-LIB property of a network: unsat (proved), sat (with an exact counterexample) or unknown.",
    discussion: """
      The property (VNN-COMP's format) gives a box of inputs X_i (or several) and a region of \
      outputs Y_j, a disjunction of conjunctions of linear constraints: the violation looked for. \
      'unsat' means no input of a box reaches its region, proved with sound IBP and CROWN bounds \
      in MPFI, exact or Float64 arithmetic (the last with rigorous error terms); 'sat' comes with \
      an input of a box whose outputs, computed exactly in rationals, lie in the region; \
      'unknown' means neither was found. Exit status 0 for every result; 1 for an error. \
      Docs/ONNX.md.
      """)

  @Option(help: "The network: an ONNX model, a checkpoint written by 'certify train --out', or a NumPy .npz.")
  var model: String

  @Option(help: "The VNN-LIB property file.")
  var property: String

  @Option(help: "The arithmetic of the bounds: mpfi (the default), exact (rationals; small networks) or fast (Float64 with rigorous error terms).")
  var tier: String = "mpfi"

  @Option(parsing: .unconditional, help: "MPFI precision in bits (24 to 65536).")
  var precision: Int = 128

  @Option(parsing: .unconditional, help: "Stop searching for a counterexample after this many seconds.")
  var timeout: Double = 60

  @Flag(help: "Print the result as one line of JSON: result, seconds, and for sat the input and outputs.")
  var json = false

  @Option(help: ArgumentHelp(
    "Also write the result file VNN-COMP's scripts read: the result, then for sat the counterexample ((X_0 v) ... (Y_0 v) ...).",
    discussion: "A regular file, replaced atomically; a symbolic link is followed. Checked before the work starts."))
  var result: String?

  func validate() throws {
    guard ["mpfi", "exact", "fast"].contains(tier) else {
      throw ValidationError("--tier: '\(MessageText.cut(tier))' is not one of mpfi, exact, fast.")
    }
    guard (24...65536).contains(precision) else { throw ValidationError("--precision: \(precision) is outside 24 to 65536.") }
    guard timeout >= 0, timeout.isFinite else { throw ValidationError("--timeout: give a number of seconds >= 0.") }
  }

  func run() throws {
    try reportingFailure {
      let resultFile = try result.map { try OutputFile($0) }
      let specification = try VNNLIBProperty(contentsOf: property)
      let network = try LayerNetwork(contentsOf: model)
      var verifier = switch tier {
      case "exact": try VNNLIBVerifier(network: network, arithmetic: ExactArithmetic())
      case "fast": try VNNLIBVerifier.fast(network: network)
      default: try VNNLIBVerifier(network: network, arithmetic: MPFIArithmetic(precision: precision))
      }
      verifier.timeout = timeout
      let verdict = try verifier.decide(specification)
      print(json ? Self.json(verdict) : Self.text(verdict))
      try resultFile?.write(Self.competitionResult(verdict))
    }
  }

  /// VNN-COMP's result file: `unsat`, `unknown`, or `sat` and the counterexample as
  /// `((X_0 v) ... (Y_0 v) ...)`. Inputs are printed to read back as exactly the values checked
  /// (`exactText`); outputs are the exact ones rounded to the nearest Double.
  static func competitionResult(_ verdict: VNNLIBVerdict) -> String {
    guard case let .sat(input, outputs) = verdict.result else { return verdict.result.name + "\n" }
    let entries = input.enumerated().map { "(X_\($0) \(exactText($1)))" } + outputs.enumerated().map { "(Y_\($0) \(Double($1)))" }
    return "sat\n(" + entries.joined(separator: "\n ") + ")\n"
  }

  static func text(_ verdict: VNNLIBVerdict) -> String {
    var text = "\(verdict.result.name)  (\(verdict.disjunctsProved) of \(verdict.disjuncts) disjuncts proved empty, "
      + String(format: "%.3f s)", verdict.seconds)
    if case let .sat(input, outputs) = verdict.result {
      text += "\ncounterexample, checked exactly:\n" + input.enumerated().map { "  X_\($0) = \(decimal($1))" }.joined(separator: "\n")
      text += "\n" + outputs.enumerated().map { "  Y_\($0) = \(decimal($1))" }.joined(separator: "\n")
    }
    return text
  }

  static func json(_ verdict: VNNLIBVerdict) -> String {
    var text = "{\"result\":\"\(verdict.result.name)\",\"seconds\":\(verdict.seconds),"
      + "\"disjuncts\":\(verdict.disjuncts),\"disjuncts_proved\":\(verdict.disjunctsProved)"
    if case let .sat(input, outputs) = verdict.result {
      text += ",\"input\":[" + input.map { "\"\($0)\"" }.joined(separator: ",") + "]"
      text += ",\"outputs\":[" + outputs.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }
    return text + "}"
  }

  /// `value` as text that reads back as exactly `value`: a Double in its shortest form (the
  /// search's points), or the whole decimal expansion when the denominator is `2^a 5^b` (a decimal
  /// the property gave, kept where its interval holds no Double); otherwise the nearest Double.
  static func exactText(_ value: Rational) -> String {
    let nearest = Double(value)
    if (try? Rational(exactly: nearest)) == value { return "\(nearest)" }
    var rest = value.denominator, twos = 0, fives = 0
    func strip(_ p: Int, _ count: inout Int) {
      while true {
        let (q, r) = try! rest.flooredDivision(by: Integer(p))
        guard r.isZero else { return }
        (rest, count) = (q, count + 1)
      }
    }
    strip(2, &twos)
    strip(5, &fives)
    guard rest == Integer(1) else { return "\(nearest)" }
    let places = max(twos, fives)
    let scaled = try! (value.numerator.magnitude * Integer(10).power(UInt(places))).flooredDivision(by: value.denominator).quotient
    var digits = scaled.description
    if digits.count <= places { digits = String(repeating: "0", count: places + 1 - digits.count) + digits }
    if places > 0 { digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places)) }
    return (value.signum < 0 ? "-" : "") + digits
  }

  /// A rational as a decimal to 9 significant digits, marked when rounded.
  static func decimal(_ value: Rational) -> String {
    let d = Double(value)
    return (try? Rational(exactly: d)) == value ? "\(d)" : "\(value)  (≈ \(String(format: "%.9g", d)))"
  }
}
