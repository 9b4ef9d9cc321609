import Foundation
import Testing
@testable import Train

/// The block and rule names the layers declare are those of `Theorems/layers.thm`.
@Suite("Certified block and rule names")
struct CertifiedNamesTests {
  /// `layer NAME(...)` blocks and their `vjp OPERAND[...]` rules, read from the theorem file.
  static func blocks() throws -> [String: [String]] {
    let text = try String(contentsOf: packageRoot.appendingPathComponent("Theorems/layers.thm"), encoding: .utf8)
    var blocks: [String: [String]] = [:]
    var current: String?
    for line in text.split(separator: "\n") {
      let words = line.split(whereSeparator: { " ([".contains($0) })
      guard let first = words.first else { continue }
      if first == "layer", words.count > 1 {
        current = String(words[1])
        blocks[current!] = []
      } else if first == "vjp", let block = current, words.count > 1 {
        blocks[block]!.append("\(block).\(words[1])")
      }
    }
    return blocks
  }

  @Test(arguments: [
    (Dense.certifiedBlock, Dense.ruleNames), (ReLU.certifiedBlock, ReLU.ruleNames),
    (Sigmoid.certifiedBlock, Sigmoid.ruleNames), (Tanh.certifiedBlock, Tanh.ruleNames),
    (Dropout.certifiedBlock, Dropout.ruleNames),
    (SoftmaxCrossEntropy.certifiedBlock, SoftmaxCrossEntropy.ruleNames),
    (MeanSquaredError.certifiedBlock, MeanSquaredError.ruleNames),
  ])
  func namesMatchTheTheoremFile(block: String, ruleNames: [String]) throws {
    let stated = try #require(try Self.blocks()[block], "no block '\(block)' in layers.thm")
    #expect(stated == ruleNames)
  }

  @Test func aModelListsTheRulesItNeeds() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 4\ndense 3\nrelu\ndense 2\nloss softmax_cross_entropy"), seed: 1)
    #expect(model.certifiedBlocks == ["dense", "relu", "softmax_cross_entropy"])
    #expect(model.ruleNames == ["dense.x", "dense.W", "dense.b", "relu.x", "softmax_cross_entropy.z"])
    #expect(model.parameters.map(\.name) == ["dense1.W", "dense1.b", "dense2.W", "dense2.b"])
    #expect(model.parameters.map(\.rule) == ["dense.W", "dense.b", "dense.W", "dense.b"])
  }
}
