import Foundation
import Testing
@testable import Train

/// Model certificates of batch-coupled models (batch normalization in training): the statement is
/// over a batch `B` of examples, the loss the batch's mean (Docs/Semantics.md, "Batch-coupled
/// models"); a mis-wired batch norm is refused naming the place.
@Suite("Model certificates over a batch")
struct ModelCertificateBatchTests {
  /// A 1x1 convolution, batch norm, relu and a dense head on a 2x1x1 image: the smallest model
  /// whose batch norm has a parameter below it (so its input rule is in a theorem) and above it.
  static let tiny = "input 2x1x1\nconv2d 2->2 1\nbatchnorm\nrelu\nflatten\ndense 2\nloss mse\n"

  static func schedule(_ spec: String = tiny) throws -> BackwardSchedule {
    Sequential(uncheckedSpec: try ModelSpec(parsing: spec), seed: 1).schedule
  }

  static func statement(_ s: BackwardSchedule, formulas: [String: String] = [:]) throws -> String {
    try ModelStatement(s, blocks: { try BlockText.named($0, formulas: formulas) }).text
  }

  @Test func aBatchNormModelIsStatedOverABatch() throws {
    let text = try Self.statement(Self.schedule())
    print(text)
  }

  @Test func aModelWithoutBatchNormIsStatedPerExample() throws {
    let text = try Self.statement(Self.schedule("input 2x1x1\nconv2d 2->2 1\nrelu\nflatten\ndense 2\nloss mse\n"))
    #expect(!text.contains("dim B") && !text.contains("ex: "))
    #expect(text.contains("def loss = (1 / N"))
  }

  @Test func aTinyBatchNormModelIsCertified() throws {
    let s = try Self.schedule()
    let certificate = try ModelCertificate.prove(s, cached: false)
    #expect(certificate.parameters.map(\.name) == ["dense1.W", "dense1.b", "batchnorm1.g", "batchnorm1.b", "conv2d1.w", "conv2d1.b"])
    #expect(try certificate.verify(against: s).parameters == 6)
  }

  @Test func theScalesGradientRoutedToTheShiftIsRefused() throws {
    var s = try Self.schedule()
    let k = try #require(s.steps.firstIndex { s.nodes[$0.node].name == "batchnorm1" })
    // batch norm's g gradient stored in its b, and the other way round.
    s.steps[k].gradients[0].parameter = "batchnorm1.b"
    s.steps[k].gradients[1].parameter = "batchnorm1.g"
    expectMiswired(s, at: "the gradient of batchnorm1.b at schedule step \(k) (node batchnorm1)")
  }

  /// A batch norm whose input rule drops the mean of the cotangent over the batch (the term
  /// `- g r (1/M) sum dy`): the convolution's gradients below it are then not the gradient.
  @Test func aBatchNormWithoutItsBatchMeanTermIsRefused() throws {
    let s = try Self.schedule()
    let block = try #require(CompiledRules.allBlocks["batchnorm"]).text
    let rule = try #require(block.split(separator: "\n").first { $0.contains("vjp x[") })
    // The rule's terms at depth 0: `A * dy[n, c, h, s] - B * sum dy - C * sum dy (x - mu)`.
    var terms: [String] = [], depth = 0, current = ""
    let formula = String(rule[rule.range(of: " = ")!.upperBound...])
    for (k, c) in formula.enumerated() {
      if c == "(" || c == "[" { depth += 1 } else if c == ")" || c == "]" { depth -= 1 }
      if depth == 0, c == "-", k > 0 { terms.append(current); current = "" } else { current.append(c) }
    }
    terms.append(current)
    #expect(terms.count == 3 && terms[1].contains("sum(n11: N, h11: H, s11: L) dy[n11, c, h11, s11]"))
    let dropped = rule.replacingOccurrences(of: "-" + terms[1], with: "")
    #expect(dropped != rule)
    let k = try #require(s.steps.firstIndex { s.nodes[$0.node].name == "conv2d1" })
    expectMiswired(s, formulas: ["batchnorm": block.replacingOccurrences(of: String(rule), with: String(dropped))], at: "schedule step \(k) (node conv2d1)")
  }

  func expectMiswired(_ s: BackwardSchedule, formulas: [String: String] = [:], at place: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    do {
      _ = try ModelCertificate.prove(s, formulas: formulas, cached: false)
      Issue.record("a mis-wired schedule was certified", sourceLocation: sourceLocation)
    } catch let ModelCertificateError.miswired(where_, reason) {
      #expect(where_.contains(place), "\(where_): \(reason)", sourceLocation: sourceLocation)
    } catch {
      Issue.record("refused for another reason: \(error)", sourceLocation: sourceLocation)
    }
  }
}
