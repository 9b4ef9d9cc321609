import Foundation
import Testing
@testable import Algebra
import ProofKernel
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

  /// A residual network with batch norm is proved before training, as a CNN (Models/resnet.spec
  /// in about 8 s, release; session 18), not only when asked: its gap is `.onRequest`, and only an
  /// elementwise product is still `.slow`.
  @Test func aResidualBatchNormIsProvedBeforeTraining() throws {
    let s = try Self.schedule(Self.convolutional)
    #expect(ModelCertificate.gap(of: s) == .onRequest(node: s.nodes.first { $0.block.hasPrefix("conv2d") }!.name))
    let gated = try Self.schedule("input 4\ndense 4\nx = tanh\ndense 4\nmul x\ndense 3\nloss mse\n")
    #expect(ModelCertificate.gap(of: gated).map { if case .slow = $0 { true } else { false } } == true)
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

  /// `Models/resnet.spec`'s obstacle, in miniature: below the last block's `add` a convolution
  /// reads the block's value at `p + u` (a 1x1 one too), which the statement pins. The statement
  /// states that read's range in the guard of the convolution's sum
  /// (`BlockText.guardingShiftedReads`), so `chain-def` rebuilds the convolution as the statement
  /// writes it, and the shortcut's batch norm is proved top-down through both adds.
  @Test func aBatchNormBelowAResidualAddIsProvedTopDown() throws {
    let s = try Self.schedule(Self.convolutional)
    let text = try ModelStatement(s, blocks: { try BlockText.named($0, formulas: [:]) }).text
    // The last block's convolution reads the block's value `a8` inside its range; the first
    // convolution reads the model's input, a tensor, as its block writes it.
    let lines = text.split(separator: "\n")
    let last = try #require(lines.first { $0.hasPrefix("def a9[") }), first = try #require(lines.first { $0.hasPrefix("def a1[") })
    #expect(last.contains(" | 0 <= p + u - ") && last.contains("conv2d4_w[d, c, u, v] * a8[ex, c, p + u - "), "\(last)")
    #expect(!first.contains("|") && first.contains("conv2d1_w[d, c, u, v] * a0[ex, c, p + u - "), "\(first)")
    let shortcut = try #require(try Self.statements(s)["model.batchnorm2.g"])
    let shared = ChainProof.Shared()
    let proved = try ChainProof.attemptTopDown(shortcut, sharing: shared)
    #expect(proved?.theorem.lhs == shortcut.lhs)
    let stated = try shortcut.hypotheses
    #expect(proved?.theorem.hypotheses.allSatisfy(stated.contains) == true)
    // One `fan-out`, at the last block's add, whose two paths meet at the block's value; at the
    // first block's add only the shortcut's addend depends on the shortcut's scale.
    #expect(shared.builder.derivation.steps.filter { if case .fanOut = $0 { true } else { false } }.count == 1)
  }

  /// The miniature with the last block's shortcut (the block's value passed on by the `add`)
  /// left out of the block's cotangent: the shortcut's batch norm's theorem is false, and the
  /// top-down chain does not prove it. The cotangent it composes for the block's value is none of
  /// the statement's definitions, so it is written out in the level below, and the composed
  /// gradient is not the statement's: the last comparison fails. (A model's proof then refutes it by evaluating the whole
  /// model at sample points, `refutes`: minutes in a debug build, not a unit test.)
  @Test func aConvolutionalResidualWithoutItsShortcutIsRefused() throws {
    var s = try Self.schedule(Self.convolutional)
    let add = try #require(s.steps.firstIndex { s.nodes[$0.node].block == "add" })  // backward: the last add first
    let block = 1  // `add block`: the current value, then the block's
    let value = s.nodes[s.steps[add].node].inputs[block]
    #expect(s.sums[value]?.count == 2)
    let dropped = try #require(s.steps[add].writes[block])
    s.steps[add].writes[block] = nil
    s.sums[value]?.removeAll { $0 == dropped }
    let shortcut = try #require(try Self.statements(s)["model.batchnorm2.g"])
    // Refused by the engine or by the kernel's `ring` at the last comparison, never proved.
    #expect(throws: (any Error).self) { try ChainProof.attemptTopDown(shortcut, sharing: ChainProof.Shared()) }
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

  /// Batch norm's input cotangent, proved under the hypothesis of its range, is read by the
  /// convolution below it (its weight's and its bias's rules) at indices of their own: there it is
  /// the equation instantiated under the range at those indices (`rangedInstance`: the quantified
  /// range discharged by its own guard), not proved again; the theorem is the same form,
  /// `holds(range(e)) ⊢ g[e] = da[e]`.
  @Test func aRangedCotangentIsInstantiatedWhereItIsRead() throws {
    let s = try Self.schedule(Self.convolutional)
    let statements = try Self.statements(s)
    let shared = ChainProof.Shared()
    for name in ["model.conv2d4.w", "model.conv2d4.b"] {
      let statement = try #require(statements[name])
      #expect(try ChainProof.attemptTopDown(statement, sharing: shared)?.theorem.lhs == statement.lhs)
    }
    let reads = shared.cotangentEquations.filter { $0.key.contains("@") }
    #expect(!reads.isEmpty)
    for (key, equation) in reads {
      let theorem = shared.builder.theorem(equation.step)
      guard case let .reference(g, e) = theorem.lhs.node else { Issue.record("\(key): not a cotangent equation"); continue }
      #expect(shared.rangedCotangents.contains(g.name), "\(key)")
      #expect(theorem.rhs == (try Term.reference(equation.definition, e)), "\(key)")
      #expect(theorem.hypotheses.contains(.holds(try ChainProof.range(of: equation.definition, at: e))), "\(key)")
      // `trans(sym(...), trans(discharge(...), ...))`: the instance, not a comparison again.
      guard case let .trans(_, rest) = shared.builder.derivation.steps[equation.step], case let .trans(bracketed, _) = shared.builder.derivation.steps[rest],
            case .discharge = shared.builder.derivation.steps[bracketed] else { Issue.record("\(key) was proved again"); continue }
    }
  }

  /// The levels of one kind of block (each batch norm, each relu below one) are recognised the
  /// same way: from the second on, the routes of the shape that recognised the last one are tried
  /// first (`Shared.routeShapes`), and where that shape holds again no comparison fails first.
  /// Some of them are read times their range or compared with it dropped, tried after the plain
  /// comparison before.
  @Test func aLevelTriesTheRouteOfItsKindFirst() throws {
    let statement = try #require(try Self.statements(try Self.schedule(Self.convolutional))["model.conv2d1.w"])
    let shared = ChainProof.Shared()
    #expect(try ChainProof.attemptTopDown(statement, sharing: shared)?.theorem.lhs == statement.lhs)
    let first = shared.cotangentEquations.filter { !$0.key.contains("@") }.sorted { $0.value.step < $1.value.step }
    var last: [String: ChainProof.RouteShape] = [:], repeated: [ChainProof.RouteShape] = []
    for (name, _) in first {
      let value = try #require(shared.levelValues[name]), route = try #require(shared.cotangentRoutes[name])
      let kind = ChainProof.kind(of: value.body), shape = ChainProof.RouteShape(route)
      if last[kind] == shape {
        repeated.append(shape)
        #expect(shared.failedComparisons[name] == nil, "\(name) (\(value.name))")
      }
      last[kind] = shape
    }
    #expect(repeated.contains { $0.drops || $0.ranged }, "\(repeated)")
  }

  /// A shifted read's range goes into the guard of the sum only where the read is a factor of the
  /// sum's body (there the terms left out are 0); a read under a function, or a read at a bound
  /// name, is left as written.
  @Test func onlyAShiftedReadThatIsAFactorIsGuarded() throws {
    let x = [BlockText.Tensor(name: "x", shape: ["C", "H"])]
    #expect(BlockText.guardingShiftedReads("sum(c: C, u: K) w[d, c, u] * x[c, p + u - P + 1] + b[d]", of: x)
      == "sum(c: C, u: K | 0 <= p + u - P + 1, p + u - P + 1 < H) w[d, c, u] * x[c, p + u - P + 1] + b[d]")
    #expect(BlockText.guardingShiftedReads("sum(p: OH | 0 <= p) dy[d, p] * x[c, p + u]", of: x)
      == "sum(p: OH | 0 <= p, 0 <= p + u, p + u < H) dy[d, p] * x[c, p + u]")
    #expect(BlockText.guardingShiftedReads("sum(u: K) relu(x[c, p + u])", of: x) == "sum(u: K) relu(x[c, p + u])")
    #expect(BlockText.guardingShiftedReads("sum(h: H) x[c, h]", of: x) == "sum(h: H) x[c, h]")
    #expect(BlockText.guardingShiftedReads("x[c, p + 1] + sum(u: K) w[u] * x[c, u]", of: x) == "x[c, p + 1] + sum(u: K) w[u] * x[c, u]")
  }
}
