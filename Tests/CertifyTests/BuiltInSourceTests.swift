import Testing

@testable import certify

// The generated built-in certificate sources: a long certificate is cut into part files that join
// back to its text exactly, and a short one stays one file.

@Suite struct BuiltInSourceTests {
  /// A certificate-like text of `lines` lines, each different, with or without a final newline.
  private func text(lines: Int, finalNewline: Bool) -> String {
    (1...lines).map { "  (step \($0) \"x\")" }.joined(separator: "\n") + (finalNewline ? "\n" : "")
  }

  @Test(arguments: [1, 379, 380, 381, 760, 761, 1_067])
  func partsJoinToTheText(lines: Int) {
    for finalNewline in [false, true] {
      let whole = text(lines: lines, finalNewline: finalNewline)
      let parts = BuiltInSource.parts(of: whole)
      #expect(parts.joined(separator: "\n") == whole)
      let total = lines + (finalNewline ? 1 : 0)  // the final newline opens an empty last line
      #expect(parts.count == (total + BuiltInSource.linesPerFile - 1) / BuiltInSource.linesPerFile)
      #expect(parts.allSatisfy { $0.split(separator: "\n", omittingEmptySubsequences: false).count <= BuiltInSource.linesPerFile })
    }
  }

  @Test func aLongCertificateIsWrittenInPartFiles() {
    let files = BuiltInSource.files(["cnn/batchnorm.x.json": text(lines: 1_000, finalNewline: false), "layers/relu.x.json": "(short)"])
    let folder = BuiltInSource.statementFolder
    #expect(Set(files.keys) == [
      BuiltInSource.path, folder + "/layers+relu.x.swift",
      folder + "/cnn+batchnorm.x.swift", folder + "/cnn+batchnorm.x-part2.swift", folder + "/cnn+batchnorm.x-part3.swift",
    ])
    let first = files[folder + "/cnn+batchnorm.x.swift"]!
    #expect(first.contains("static let cnn_batchnorm_x = [cnn_batchnorm_x_part1, cnn_batchnorm_x_part2, cnn_batchnorm_x_part3].joined(separator: \"\\n\")"))
    #expect(files[folder + "/cnn+batchnorm.x-part3.swift"]!.contains("static let cnn_batchnorm_x_part3 = ##\"\"\""))
    #expect(!files[folder + "/layers+relu.x.swift"]!.contains("part"))
    // Every file stays short: the text's lines plus a dozen of Swift around them.
    #expect(files.values.allSatisfy { $0.split(separator: "\n").count <= BuiltInSource.linesPerFile + 15 })
  }
}
