import Algebra
import Foundation
import ProofKernel
import Testing
@testable import Train

/// Model certificates of Models/cnn.spec's wiring (a max pool read by a padded convolution) and of
/// relu / softmax cross-entropy MLPs, proved by the chain rule (issue 22).
@Suite("Model certificates at scale")
struct ModelCertificateScaleTests {
  /// A max pool whose output a padded convolution reads: the pooled value is written as a sum over
  /// its own range pinned to the index read, and the pooling formula has several terms, so it is
  /// the sum's body in parentheses (it was cut after its first term, and the rest named `p_in`
  /// outside the sum: "unknown name 'p_in'").
  @Test func theCNNSpecIsStated() throws {
    let spec = try ModelSpec(contentsOf: packageRoot.appendingPathComponent("Models/cnn.spec").path)
    let model = Sequential(uncheckedSpec: spec, seed: 1)
    let statement = try ModelStatement(model.schedule, blocks: { try BlockText.named($0, formulas: [:]) })
    let statements = try statement.statements()
    #expect(statements.count == 8)
    let pooled = try #require(statement.text.split(separator: "\n").first { $0.hasPrefix("def a3[") })
    #expect(pooled.hasPrefix("def a3[c: N4, p: N9, q: N10] = sum(c_in: N4, p_in: N9, q_in: N10 | c_in == c, p_in == p, q_in == q) ((a2[c_in, 2*p_in + 1, 2*q_in + 1]"))
    #expect(pooled.hasSuffix(")"))
  }

  static let pooledThenPadded = "input 1x6x6\nconv2d 2 3 pad 1\nrelu\nmaxpool 2\nconv2d 2 3 pad 1\nrelu\nflatten\ndense 3\nloss softmax_cross_entropy\n"

  /// Proved on request, as `aCNNIsCertifiedOnRequest`: `CERTIFY_LONG_TESTS=1` (by the chain rule
  /// since session 13: about 20 s in a debug build under load, 0.6 s prove in release).
  @Test(.enabled(if: ProcessInfo.processInfo.environment["CERTIFY_LONG_TESTS"] == "1", "long mode: CERTIFY_LONG_TESTS=1"))
  func aMaxPoolReadByAPaddedConvolutionIsCertified() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.pooledThenPadded), seed: 1)
    let certificate = try ModelCertificate.prove(model.schedule, cached: false)
    #expect(certificate.parameters.map(\.name) == ["dense1.W", "dense1.b", "conv2d2.w", "conv2d2.b", "conv2d1.w", "conv2d1.b"])
    #expect(try certificate.verify(against: model.schedule).parameters == 6)
    // It travels in a checkpoint and replays there.
    var checkpoint = Checkpoint(model: model)
    checkpoint.modelCertificate = certificate
    let stored = try Checkpoint(decoding: checkpoint.encoded())
    #expect(try stored.checkModelCertificate().parameters == 6)
  }

  /// A relu / softmax cross-entropy MLP is proved by the chain rule (it fell back to normalizing
  /// each gradient whole: the loss layer's cotangent is `softmax * sum(target) - target`, stated
  /// with `sum target = 1`, which the chain proof's comparisons did not use).
  @Test func aReluSoftmaxMLPIsProvedByTheChainRule() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 4\ndense 4\nrelu\ndense 4\nrelu\ndense 3\nloss softmax_cross_entropy\n"), seed: 1)
    let certificate = try ModelCertificate.prove(model.schedule, cached: false)
    // Composed top-down (`chain-def`, one per value on the chain and one per parameter).
    let chains = certificate.derivation.steps.filter { if case .chainDef = $0 { true } else { false } }.count
    #expect(chains >= 5)
    #expect(certificate.statement.contains("assume sum(i: N4) target[i] = 1"))
    #expect(try certificate.verify(against: model.schedule).parameters == 6)
  }

  /// The steps of a model certificate grow linearly with depth (issue 22): the loss's identity with
  /// respect to each value is proved once, top-down, for every parameter below it, so four more
  /// layers cost twice what two more did. Composed bottom-up per parameter (before `chain-def`),
  /// the steps were quadratic (347, 1,853 and 15,077 at depths 2, 8 and 32): about 1.3 times.
  /// So do its bytes, what replay reads: a step whose terms grew with the depth (a definition
  /// written out where it is named) would show there.
  @Test func theStepsOfAnMLPsCertificateGrowLinearlyWithDepth() throws {
    let (two, four, eight) = try Self.mlpSizes.get()
    #expect(Double(eight.steps - four.steps) <= 1.05 * Double(2 * (four.steps - two.steps)), "\(two), \(four) and \(eight) at depths 2, 4 and 8")
    #expect(Double(eight.bytes - four.bytes) <= 1.15 * Double(2 * (four.bytes - two.bytes)), "\(two), \(four) and \(eight) at depths 2, 4 and 8")
  }

  /// The definitions a model certificate's theorems hold grow as the depth squared, not faster:
  /// the kernel's `chain-def` rebuilds each definition above the value it composes at, once per
  /// kind of site (Docs/Engine.md, "Where the time went"), which is what keeps a model's proof and
  /// replay from being linear in its depth. Counted from the replayed theorems, not timed: a
  /// rebuild per site or per path instead of once per definition and kind of site (a cubic or
  /// worse cost) would fail here. From 4 to 8 the count
  /// grows by about 4 times what it grew from 2 to 4 when it is quadratic, 8 times when cubic
  /// (37, 153 and 625 definitions at depths 2, 4 and 8: 4.07 times).
  @Test func theDefinitionsOfAnMLPsCertificateGrowAsDepthSquared() throws {
    let (two, four, eight) = try Self.mlpSizes.get()
    #expect(eight.definitions > four.definitions && four.definitions > two.definitions)
    #expect(Double(eight.definitions - four.definitions) <= 5 * Double(four.definitions - two.definitions), "\(two), \(four) and \(eight) at depths 2, 4 and 8")
  }

  typealias Size = (steps: Int, bytes: Int, definitions: Int)

  /// The certificates of relu / softmax cross-entropy MLPs of depths 2, 4 and 8, proved once for
  /// the tests above: steps, bytes, and the definition objects their replayed theorems hold.
  static let mlpSizes = Result { () throws -> (Size, Size, Size) in
    func size(_ depth: Int) throws -> Size {
      let spec = "input 4\n" + String(repeating: "dense 4\nrelu\n", count: depth - 1) + "dense 3\nloss softmax_cross_entropy\n"
      let model = Sequential(uncheckedSpec: try ModelSpec(parsing: spec), seed: 1)
      let certificate = try ModelCertificate.prove(model.schedule, cached: false)
      guard try certificate.verify(against: model.schedule).parameters == 2 * depth else { throw ModelCertificateError.unsupported(node: "depth \(depth)", reason: "not every parameter's theorem") }
      var kernel = Derivation()
      for step in certificate.derivation.steps { try kernel.apply(step) }
      return (certificate.steps, certificate.encoded().utf8.count, definitions(in: kernel.theorems))
    }
    return (try size(2), try size(4), try size(8))
  }

  /// The definition objects the theorems refer to, directly or through other definitions.
  static func definitions(in theorems: [Theorem]) -> Int {
    var seen = Set<ObjectIdentifier>()
    func walk(_ t: Term) {
      if case let .reference(d, _) = t.node, seen.insert(ObjectIdentifier(d)).inserted { walk(d.body) }
      if case let .vjp(v) = t.node { walk(v.output) }
      t.children.forEach(walk)
    }
    func walk(_ h: Proposition) {
      switch h {
      case let .equal(a, b): walk(a); walk(b)
      case let .nonZero(t), let .positive(t): walk(t)
      case .holds: break
      case let .forAll(_, _, body): walk(body)
      }
    }
    for theorem in theorems {
      theorem.hypotheses.forEach(walk)
      walk(theorem.lhs)
      walk(theorem.rhs)
    }
    return seen.count
  }

  /// A statement that does not read is the writer's failure, named by layer, not a mis-wiring.
  @Test func aStatementThatDoesNotReadIsNotCalledMiswired() throws {
    let broken = ModelCertificateTests.shift.replacingOccurrences(of: "= x[i + 1]", with: "= nosuch(x[i + 1])")
    do {
      _ = try ModelCertificate.prove(ModelCertificateTests.shifted(), formulas: ["shift": broken], cached: false)
      Issue.record("a statement that does not read was proved")
    } catch let error as ModelCertificateError {
      guard case let .unstated(place, reason) = error else { Issue.record("\(error)"); return }
      #expect(place == "node shift1")
      #expect(reason.contains("nosuch"))
      #expect(error.description.hasPrefix("no model certificate: the model's statement could not be written at node shift1 (an internal failure"))
    }
  }
}
