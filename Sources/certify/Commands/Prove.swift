import Algebra
import ArgumentParser
import Foundation

/// `certify prove`: proves the theorems and layer rules of `.thm` files, for every size.
struct Prove: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Prove the theorems and layer rules of theorem files, for every size.",
    discussion: """
      Each statement is proved by the engine through the kernel's rules. A failed proof names the \
      missing assumption or shows a counterexample at small sizes. Exits with status 1 when any \
      proof fails.
      """)

  @Argument(help: "Theorem files (.thm) to prove.")
  var files: [String] = []

  @Flag(help: "Prove every .thm file under the Theorems directory.")
  var all = false

  @Option(help: "The directory of theorem files used by --all.")
  var theorems = "Theorems"

  @Flag(help: "Print one JSON document instead of a line per statement.")
  var json = false

  func validate() throws {
    if files.isEmpty && !all { throw ValidationError("name theorem files, or use --all") }
  }

  func run() throws {
    let paths = try all ? TheoremFiles.list(in: theorems) + files : files
    var reports: [StatementReport] = []
    var parseFailures = 0
    for path in paths {
      do {
        let document = try TheoremFiles.load(path)
        for statement in document.statements {
          let start = DispatchTime.now().uptimeNanoseconds
          let outcome = Prover.prove(statement)
          let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
          let report = StatementReport(name: statement.name, file: path, outcome: outcome, milliseconds: ms)
          reports.append(report)
          if !json { print(report.line) }
        }
      } catch {
        parseFailures += 1
        FileHandle.standardError.write(Data("\(error)\n".utf8))
      }
    }
    let failed = reports.filter { !$0.proved }.count + parseFailures
    if json {
      print(try JSONOutput.encode(ProveSummary(theorems: reports.map(\.json), proved: reports.count - (failed - parseFailures), failed: failed)))
    } else {
      print("\(reports.count - (failed - parseFailures)) proved, \(failed) failed")
    }
    if failed > 0 { throw ExitCode.failure }
  }
}

/// One statement's result, as printed.
struct StatementReport {
  var name: String
  var file: String
  var outcome: ProofOutcome
  var milliseconds: Double

  var proved: Bool { outcome.proved }

  var line: String {
    let time = String(format: "%.1f ms", milliseconds)
    if proved { return "proved  \(name)  (\(file), \(time))" }
    return "FAILED  \(name)  (\(file), \(time))\n  " + (outcome.failure.map { "\($0)" } ?? "").replacingOccurrences(of: "\n", with: "\n  ")
  }

  var json: ProveSummary.Entry {
    var counterexample: String? = nil
    if case let .different(_, _, ce, _)? = outcome.failure { counterexample = ce?.description }
    return .init(name: name, file: file, status: proved ? "proved" : "failed", ms: (milliseconds * 1000).rounded() / 1000,
                 counterexample: counterexample, reason: outcome.failure.map { "\($0)" })
  }
}

struct ProveSummary: Encodable {
  struct Entry: Encodable {
    var name: String
    var file: String
    var status: String
    var ms: Double
    var counterexample: String?
    var reason: String?
  }
  var theorems: [Entry]
  var proved: Int
  var failed: Int
}

enum JSONOutput {
  static func encode<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }
}

/// Finding and reading theorem files.
enum TheoremFiles {
  /// The `.thm` files under `directory`, sorted.
  static func list(in directory: String) throws -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: directory) else {
      throw ValidationError("no directory \(directory)")
    }
    return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".thm") }.sorted().map { directory + "/" + $0 }
  }

  static func load(_ path: String) throws -> Document {
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return try TheoremLanguage.parse(String(decoding: data, as: UTF8.self), file: path)
  }
}
