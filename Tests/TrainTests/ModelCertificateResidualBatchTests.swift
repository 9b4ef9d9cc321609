import Foundation
import Testing
@testable import Algebra
@testable import Train

/// Residual networks proved top-down through their adds (Docs/Engine.md, "Top-down, steps linear
/// in depth"), and what still keeps a residual network with batch norm (`Models/resnet.spec`) from
/// it (Docs/Semantics.md, "Batch-coupled models").
@Suite("Model certificates of residual networks")
struct ModelCertificateResidualBatchTests {
  /// Two residual blocks of dense layers: each `add` reads its block's input twice (through the
  /// branch and directly), so for every parameter below it both addends depend on the parameter.
  static let dense = """
    input 4
    dense 4
    stem = tanh
    dense 4
    tanh
    dense 4
    add stem
    block = tanh
    dense 4
    tanh
    dense 4
    add block
    tanh
    dense 3
    loss mse

    """

  /// `Models/resnet.spec` in miniature: a stem, a block whose shortcut is a convolution and a batch
  /// norm, an identity block, a dense head; 1x1 convolutions on a 2x1x1 image.
  static let convolutional = """
    input 2x1x1
    conv2d 2->2 1
    stem = relu
    conv2d 2->2 1
    residual = batchnorm
    from stem conv2d 2->2 1
    batchnorm
    add residual
    block = relu
    conv2d 2->2 1
    batchnorm
    add block
    relu
    flatten
    dense 2
    loss mse

    """

  static func schedule(_ spec: String) throws -> BackwardSchedule {
    Sequential(uncheckedSpec: try ModelSpec(parsing: spec), seed: 1).schedule
  }

  static func statements(_ s: BackwardSchedule) throws -> [String: Statement] {
    try ModelStatement(s, blocks: { try BlockText.named($0, formulas: [:]) }).statements()
  }

  @Test func aResidualNetworkIsProvedTopDownThroughItsAdds() throws {
    let s = try Self.schedule(Self.dense)
    let statements = try Self.statements(s)
    // The stem's weights: below both adds, each joined by `fan-out`.
    let shared = ChainProof.Shared()
    let statement = try #require(statements["model.dense1.W"])
    let proved = try ChainProof.attemptTopDown(statement, sharing: shared)
    #expect(proved?.theorem.lhs == statement.lhs)
    #expect(shared.builder.derivation.steps.filter { if case .fanOut = $0 { true } else { false } }.count == 2)
    let certificate = try ModelCertificate.prove(s, cached: false)
    #expect(certificate.parameters.count == 12)
    #expect(try certificate.verify(against: s).parameters == 12)
  }

  /// The first block's shortcut contribution to the stem's cotangent left out (the sum at the
  /// fan-out has the branch's term only): the theorem of the stem's weight is false, and refused.
  @Test func aResidualWithoutItsShortcutsContributionIsRefused() throws {
    var s = try Self.schedule(Self.dense)
    let add = try #require(s.steps.firstIndex { s.nodes[$0.node].name == "add1" })
    let stem = 1  // `add stem`: the current value, then the stem
    #expect(s.sums[s.nodes[s.steps[add].node].inputs[stem]]?.count == 2)
    let dropped = try #require(s.steps[add].writes[stem])
    s.steps[add].writes[stem] = nil
    s.sums[s.nodes[s.steps[add].node].inputs[stem]]?.removeAll { $0 == dropped }
    let k = try #require(s.steps.firstIndex { s.nodes[$0.node].name == "dense1" })
    expectMiswired(s, at: "the gradient of dense1.W (schedule step \(k), node dense1)", because: "differ")
  }

  /// Why `Models/resnet.spec` is not yet certified layer by layer: below its last block's `add`
  /// a convolution reads its input at `p + u` (a 1x1 one too), not at a plain index, so the value
  /// is pinned and `chain-def` would bring it back bracketed inside the rebuilt definitions. The
  /// bottom-up chain then normalizes the block below the add whole (minutes). When that changes,
  /// this test says so.
  @Test func aBatchNormBelowAResidualAddIsNotReachedTopDownYet() throws {
    let s = try Self.schedule(Self.convolutional)
    #expect(ModelCertificate.gap(of: s) == .slow(node: "batchnorm1", block: "batchnorm"))
    let statements = try Self.statements(s)
    let shortcut = try #require(statements["model.batchnorm2.g"])
    do {
      _ = try ChainProof.attemptTopDown(shortcut, sharing: ChainProof.Shared())
      Issue.record("the shortcut's batch norm was proved top-down: lift the gap")
    } catch {
      // The last block's convolution reads the block's value at `p + u`.
      #expect("\(error)".contains(", on a path of the residual add a11, reads a8 at an index that is not a plain one"), "\(error)")
    }
  }

  /// Batch norm's input cotangent, recognised below the add: its terms carry the channel's range
  /// inside the batch sums only, so it is the statement's definition with that range dropped
  /// under its hypothesis, which the sums binding the channel state (`cotangentRead`).
  @Test func aConvolutionBelowABatchNormIsProvedTopDown() throws {
    let s = try Self.schedule(Self.convolutional)
    let statement = try #require(try Self.statements(s)["model.conv2d4.w"])
    let proved = try ChainProof.attemptTopDown(statement, sharing: ChainProof.Shared())
    #expect(proved?.theorem.lhs == statement.lhs)
    #expect(proved?.theorem.hypotheses.count == (try statement.hypotheses).count)
  }
}
