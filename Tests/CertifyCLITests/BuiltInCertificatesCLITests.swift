import Foundation
import Testing

/// The trainer's certificates are built into certify: `train` works from any folder, and a folder
/// given with `--certificates` is the only place looked in.
@Suite("certificates built into certify")
struct BuiltInCertificatesCLITests {
  @Test func trainsAwayFromThePackageAndAGivenFolderIsAuthoritative() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    try "input 784\ndense 8\nrelu\ndense 10\nloss softmax_cross_entropy\n".write(to: dir.appendingPathComponent("tiny.spec"), atomically: true, encoding: .utf8)
    let anywhere = try certify(["train", "--model", "tiny.spec", "--epochs", "1", "--limit", "200", "--seed", "3", "--out", "tiny.ckpt"], in: dir)
    #expect(anywhere.status == 0, "\(anywhere.err)")
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("tiny.ckpt").path))
    let evaluated = try certify(["evaluate", "tiny.ckpt", "--json"], in: dir)
    #expect(evaluated.status == 0, "\(evaluated.err)")
    #expect(evaluated.out.contains("accuracy"))
    // An empty folder given explicitly: no fallback to the built-in set, and the error says where it looked.
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
    let refused = try certify(["train", "--model", "tiny.spec", "--epochs", "1", "--limit", "200", "--certificates", "empty"], in: dir)
    #expect(refused.status == 1)
    #expect(refused.err.contains("no certificate for rule dense.") && refused.err.contains("empty"), "\(refused.err)")
  }
}
