import Foundation
import Testing

/// Runs the built `certify` binary (a sibling of the test bundle) and returns its exit status and
/// output.
func certify(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, out: String, err: String) {
  try runProcess(try certifyExecutable(), arguments, in: directory)
}

/// Runs `executable` with `arguments` and returns its exit status and output.
func runProcess(_ executable: URL, _ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, out: String, err: String) {
  let process = Process()
  process.executableURL = executable
  process.arguments = arguments
  process.currentDirectoryURL = directory ?? packageRoot
  // Output goes to files, not pipes: reading a pipe while other tests' children exit can fail with
  // EINTR inside Foundation's readDataToEndOfFile, which traps.
  let folder = FileManager.default.temporaryDirectory.appendingPathComponent("certify-run-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: folder) }
  let outURL = folder.appendingPathComponent("out"), errURL = folder.appendingPathComponent("err")
  FileManager.default.createFile(atPath: outURL.path, contents: nil)
  FileManager.default.createFile(atPath: errURL.path, contents: nil)
  let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  process.waitUntilExit()
  try out.close()
  try err.close()
  let o = try Data(contentsOf: outURL), e = try Data(contentsOf: errURL)
  return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

enum CLIError: Error { case missingBinary([String]) }

/// The built `certify` binary, a sibling of the test bundle.
func certifyExecutable() throws -> URL {
  let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  let candidates = [bin.appendingPathComponent("certify"), bin.deletingLastPathComponent().appendingPathComponent("certify")]
  guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
    throw CLIError.missingBinary(candidates.map(\.path))
  }
  return executable
}

/// The package's root folder (this file is Tests/CertifyCLITests/CLITests.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary folder.
func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("certify-cli-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

@Suite("certify command line")
struct CLITests {
  @Test func versionAndHelp() throws {
    let version = try certify(["--version"])
    #expect(version.status == 0)
    #expect(version.out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    let help = try certify(["--help"])
    #expect(help.status == 0)
    for command in ["prove", "check", "derive", "explain", "list"] { #expect(help.out.contains(command), "\(command) missing from --help") }
    #expect(try certify(["prove", "--help"]).out.contains("--all"))
  }

  @Test func proveReportsAndFailsOnAWrongRule() throws {
    let dir = try temporaryDirectory()
    let good = dir.appendingPathComponent("good.thm"), bad = dir.appendingPathComponent("bad.thm")
    try """
      dim n
      tensor x[n]
      theorem square: grad(sum(i: n) x[i] ^ 2, x)[j] = 2 * x[j]
      """.write(to: good, atomically: true, encoding: .utf8)
    try """
      dim n
      tensor x[n]
      theorem square: grad(sum(i: n) x[i] ^ 2, x)[j] = x[j]
      """.write(to: bad, atomically: true, encoding: .utf8)
    let ok = try certify(["prove", good.path, "--json"])
    #expect(ok.status == 0, "\(ok.err)")
    let json = try JSONSerialization.jsonObject(with: Data(ok.out.utf8)) as? [String: Any]
    #expect(json?["proved"] as? Int == 1 && json?["failed"] as? Int == 0)
    let wrong = try certify(["prove", bad.path, "--json"])
    #expect(wrong.status != 0)
    let report = try JSONSerialization.jsonObject(with: Data(wrong.out.utf8)) as? [String: Any]
    let entry = (report?["theorems"] as? [[String: Any]])?.first
    #expect(entry?["status"] as? String == "failed")
    #expect((entry?["counterexample"] as? String)?.isEmpty == false)
  }

  @Test func parseErrorsNameTheFileLineAndColumn() throws {
    let dir = try temporaryDirectory()
    let file = dir.appendingPathComponent("broken.thm")
    try "dim n\ntensor x[n\ntheorem t: x[0] = x[0]\n".write(to: file, atomically: true, encoding: .utf8)
    let result = try certify(["prove", file.path])
    #expect(result.status != 0)
    #expect(result.err.contains("broken.thm:2:11: expected ']'"), "\(result.err)")
  }

  @Test func deriveConvolution() throws {
    let result = try certify(["derive", "Theorems/convolution.thm", "--layer", "conv2d", "--json"])
    #expect(result.status == 0, "\(result.err)")
    let json = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
    let rules = json?["rules"] as? [[String: Any]] ?? []
    #expect(rules.count == 3 && rules.allSatisfy { $0["proved"] as? Bool == true })
  }
}
