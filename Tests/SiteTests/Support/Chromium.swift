import Foundation

/// Headless Chromium (Debian's `chromium`), run once per call with a time limit.
enum Chromium {
  /// The browser's path, or nil when it is not installed (`make deps` installs it).
  static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

  /// Whether a missing browser fails the tests (CI installs it) rather than skipping them.
  static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs the browser headless with `arguments` on `url`; killed after `seconds`. The caller
  /// awaits the browser's exit without holding a thread.
  static func run(_ arguments: [String], url: URL, seconds: Double = 120) async throws -> Run {
    guard let path else { throw CocoaError(.fileNoSuchFile) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    let profile = FileManager.default.temporaryDirectory.appendingPathComponent("certify-chromium-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: profile) }
    // --no-sandbox: the tests run as root in CI; the pages are our own files.
    process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                         "--user-data-dir=\(profile.path)"] + arguments + [url.absoluteString]
    // Output goes to files, not pipes: nothing can fill up and block the browser.
    let outFile = profile.appendingPathExtension("out"), errFile = profile.appendingPathExtension("err")
    defer { try? FileManager.default.removeItem(at: outFile); try? FileManager.default.removeItem(at: errFile) }
    FileManager.default.createFile(atPath: outFile.path, contents: nil)
    FileManager.default.createFile(atPath: errFile.path, contents: nil)
    let out = try FileHandle(forWritingTo: outFile), err = try FileHandle(forWritingTo: errFile)
    process.standardOutput = out
    process.standardError = err
    var launchError: (any Error)? = nil
    await withCheckedContinuation { (exited: CheckedContinuation<Void, Never>) in
      process.terminationHandler = { _ in exited.resume() }
      do { try process.run() } catch { process.terminationHandler = nil; launchError = error; exited.resume(); return }
      DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { if process.isRunning { process.terminate() } }
    }
    if let launchError { throw launchError }
    try? out.close()
    try? err.close()
    let stdout = (try? Data(contentsOf: outFile)) ?? Data(), stderr = (try? Data(contentsOf: errFile)) ?? Data()
    return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
  }
}
