import Certificates
import Foundation
import ProofKernel
import Algebra
import Testing
@testable import Train

/// Model certificates: the backward schedule's wiring is the gradient of the loss, checked by the
/// kernel; a mis-wired schedule is refused naming the place, a mutated certificate fails.
@Suite("Model certificates")
struct ModelCertificateTests {
  static let mlp = "input 6\ndense 5\nrelu\ndense 3\nloss softmax_cross_entropy\n"

  /// A two-input join for test schedules (specs cannot express one yet): `y = x + z`.
  static let add = """
    layer add(n)
      input x[n], z[n]
      output y[i: n] = x[i] + z[i]
      vjp x[i] = dy[i]
      vjp z[i] = dy[i]
    """

  @Test func aSequentialScheduleIsAChainDownToTheFirstParameters() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 4\nrelu\ndense 5\ntanh\ndense 3\nloss mse\n"), seed: 1)
    let s = model.schedule
    #expect(s.steps.map { s.nodes[$0.node].name } == ["dense2", "tanh1", "dense1"])
    #expect(s.steps.map(\.reads) == ["da4", "da3", "da2"])
    #expect(s.steps.map(\.writes) == [["da3"], ["da2"], [nil]])
    #expect(s.routes.map(\.parameter) == ["dense2.W", "dense2.b", "dense1.W", "dense1.b"])
    #expect(s.lossInput == "a4")
  }

  @Test func anMLPIsCertifiedWhenBuiltAndItsCertificateReplays() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    let certificate = try #require(model.modelCertificate)
    #expect(certificate.parameters.map(\.name) == ["dense2.W", "dense2.b", "dense1.W", "dense1.b"])
    #expect(certificate.statement.contains("theorem model.dense1.W: grad(loss, dense1_W)[o, i] = da1[o] * a0[i]"))
    #expect(certificate.statement.contains("assume forall k: N2. a1[k] != 0"))
    let check = try certificate.verify(against: model.schedule)
    #expect(check.parameters == 4)
    #expect(check.steps == certificate.steps)
    // A model of other sizes has the same (symbolic) statement.
    let wider = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 9\ndense 7\nrelu\ndense 2\nloss softmax_cross_entropy\n"), seed: 1)
    #expect(try certificate.verify(against: wider.schedule).parameters == 4)
  }

  /// A CNN's model certificate is not built with the model (its proof takes seconds, ten or more in
  /// a debug build), and the model says so; `certify train` proves it (CNNCLITests); proving it
  /// here is the long mode
  /// (`CERTIFY_LONG_TESTS=1 swift test --filter ModelCertificateTests`, and
  /// scripts/bench-model-certificates for every spec of Models/).
  @Test func aCNNSaysItHasNoModelCertificateYet() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.cnn), seed: 1, certificates: testStore)
    #expect(model.modelCertificate == nil)
    #expect(model.modelCertificateGap?.hasPrefix("no model certificate built with the model: node conv2d1 is a convolution") == true)
    #expect(ModelCertificate.gap(of: model.schedule) == .onRequest(node: "conv2d1"))
    // A checkpoint of it says why from the same decision.
    let stored = try Checkpoint(decoding: Checkpoint(model: model).encoded())
    let why = "the checkpoint carries no model certificate, and its model has none built with it: \(ModelCertificate.Gap.onRequest(node: "conv2d1"))"
    #expect(throws: ModelCertificateError.missing(why)) { try stored.checkModelCertificate() }
  }

  /// A side condition reading a pinned value at a strided index is written with the range bracket
  /// the kernel's `chain` gives the read; plain reads and other names are left alone.
  @Test func aPinnedValuesStridedReadsAreBracketedInItsConditions() {
    let pinned = ["a2": ["N1", "N2"]]
    #expect(ModelStatement.bracketingPinnedReads("a2[c, 2*p] - a2[c, 2*p + 1] != 0", pinned: pinned)
      == "([0 <= c < N1, 0 <= 2*p < N2] * a2[c, 2*p]) + (-1) * ([0 <= c < N1, 0 <= 2*p+1 < N2] * a2[c, 2*p + 1]) != 0")
    #expect(ModelStatement.bracketingPinnedReads("a2[c, p] - da2[c, 2*p] != 0", pinned: pinned) == "a2[c, p] - da2[c, 2*p] != 0")
  }

  static let cnn = "input 1x6x6\nconv2d 2 3 pad 1\nrelu\nmaxpool 2\nflatten\ndense 3\nloss softmax_cross_entropy\n"

  @Test(.enabled(if: ProcessInfo.processInfo.environment["CERTIFY_LONG_TESTS"] == "1", "long mode: CERTIFY_LONG_TESTS=1"))
  func aCNNIsCertifiedOnRequest() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.cnn), seed: 1)
    let certificate = try ModelCertificate.prove(model.schedule)
    #expect(certificate.parameters.map(\.name) == ["dense1.W", "dense1.b", "conv2d1.w", "conv2d1.b"])
    // The max-pooling ties are hypotheses of the convolution's gradients, the pooled value's reads
    // bracketed by its range as the kernel's `chain` writes them (ModelStatement+PinnedReads).
    #expect(certificate.statement.contains("assume forall c: N4, p: N9, q: N10. ([0 <= c < N4, 0 <= 2*p < N6, 0 <= 2*q < N7] * a2[c, 2*p, 2*q]) + (-1) * ([0 <= c < N4, 0 <= 2*p < N6, 0 <= 2*q+1 < N7] * a2[c, 2*p, 2*q + 1]) != 0"))
    // Proved by the chain rule, layer by layer: the derivation uses `chain`.
    #expect(certificate.derivation.steps.contains { if case .chain = $0 { true } else { false } })
    #expect(try certificate.verify(against: model.schedule).parameters == 4)
  }

  /// An elementwise layer after a convolution reads the image as its storage: its block is lifted
  /// to the image's three indices in the statement.
  @Test func anElementwiseLayerOverAnImageIsLifted() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: Self.cnn), seed: 1)
    let statement = try ModelStatement(model.schedule, blocks: { try BlockText.named($0, formulas: [:]) })
    // Max pooling reads a2 at 2*p + 1, which the symbolic sizes do not keep inside its shape: a2
    // is summed over its own shape there (0 outside, like the trainer's storage), every axis pinned
    // (relu's condition under the sum then does not mention the outer channel `i`).
    #expect(statement.text.contains("def a2[i: N4, i_1: N6, i_2: N7] = sum(i_in: N4, i_1_in: N6, i_2_in: N7 | i_in == i, i_1_in == i_1, i_2_in == i_2) relu(a1[i_in, i_1_in, i_2_in])"))
    // The convolution reads its input a0 at padded indices, but a0 is a tensor (0 outside).
    #expect(statement.text.contains("def a1[d: N4, p: N6, q: N7] = sum(c: N1"))
    #expect(statement.text.contains("def da1[i: N4, i_1: N6, i_2: N7] = step(a1[i, i_1, i_2]) * da2[i, i_1, i_2]"))
    #expect(statement.text.contains("def a5[o: N11] = sum(c: N4, h: N9, s: N10) dense1_W[o, c, h, s] * a3[c, h, s] + dense1_b[o]"))
  }

  /// A one-dimensional shift, `y[i] = x[i + 1]`: a read past the end of its input, as a padded
  /// convolution's (there it is 0: the last output reads nothing).
  static let shift = """
    layer shift(n)
      input x[n]
      output y[i: n] = x[i + 1]
      vjp x[i] = sum(j: n | j == i - 1) dy[j]
    """

  /// dense, relu, shift, dense: the shift reads the relu's output past its end.
  static func shifted() -> BackwardSchedule {
    let d1 = [BackwardSchedule.Route(rule: "dense.W", parameter: "dense1.W"), .init(rule: "dense.b", parameter: "dense1.b")]
    let d2 = [BackwardSchedule.Route(rule: "dense.W", parameter: "dense2.W"), .init(rule: "dense.b", parameter: "dense2.b")]
    return BackwardSchedule(
      nodes: [
        .init(name: "dense1", block: "dense", inputs: ["a0"], output: "a1", parameters: d1),
        .init(name: "relu1", block: "relu", inputs: ["a1"], output: "a2", parameters: []),
        .init(name: "shift1", block: "shift", inputs: ["a2"], output: "a3", parameters: []),
        .init(name: "dense2", block: "dense", inputs: ["a3"], output: "a4", parameters: d2),
      ],
      input: "a0", loss: "mse", lossInput: "a4",
      steps: [
        .init(node: 3, reads: "da4", writes: ["da3"], gradients: d2),
        .init(node: 2, reads: "da3", writes: ["da2"], gradients: []),
        .init(node: 1, reads: "da2", writes: ["da1"], gradients: []),
        .init(node: 0, reads: "da1", writes: [nil], gradients: d1),
      ],
      sums: ["a3": ["da3"], "a2": ["da2"], "a1": ["da1"]])
  }

  /// A value read outside its shape is 0 there, as the trainer's is (issue 22: a CNN's padded
  /// convolution or max pooling after a relu was refused as mis-wired, because a `def` read
  /// outside its shape is its body: `relu(a1[n])` needed `a1[n] != 0`, which no layer assumes).
  @Test func aValueReadOutsideItsShapeIsZeroThereAndTheModelIsCertified() throws {
    let statement = try ModelStatement(Self.shifted(), blocks: { try BlockText.named($0, formulas: ["shift": Self.shift]) })
    #expect(statement.text.contains("def a2[i: N2] = sum(i_in: N2 | i_in == i) relu(a1[i_in])"))
    // Values read only at bound indices are not bracketed.
    #expect(statement.text.contains("def a3[i: N2] = a2[i + 1]"))
    #expect(statement.text.contains("def a1[o: N2] = sum(i: N1) dense1_W[o, i] * a0[i] + dense1_b[o]"))
    let certificate = try ModelCertificate.prove(Self.shifted(), formulas: ["shift": Self.shift], cached: false)
    #expect(certificate.parameters.map(\.name) == ["dense2.W", "dense2.b", "dense1.W", "dense1.b"])
    #expect(try certificate.verify(against: Self.shifted(), formulas: ["shift": Self.shift]).parameters == 4)
    // relu's condition, met under the sum pinned to the shifted index, is the stated one.
    #expect(certificate.statement.contains("assume forall k: N2. a1[k] != 0"))
    // The shift's rule read at the wrong place is still refused, by name.
    let wrong = Self.shift.replacingOccurrences(of: "j == i - 1", with: "j == i + 1")
    expectMiswired(Self.shifted(), formulas: ["shift": wrong], at: "the gradient of dense1.W (schedule step 3, node dense1)", because: "differ")
  }

  /// "Mis-wired" only where the theorem is refuted by a counterexample; an engine that finds no
  /// proof says "not proved" with its reason.
  @Test func onlyARefutedTheoremIsCalledMiswired() {
    // (A refuted theorem, with a counterexample the engine found, is the wrong shift above and
    // the missing fan-out sum below.)
    let unproved = ProofFailure.different(lhs: "a", rhs: "b", counterexample: nil, missing: nil)
    let place = "the gradient of dense1.W"
    #expect(ModelCertificate.refusal(at: place, unproved) == .notProved(place: place, reason: unproved.description))
    #expect(ModelCertificate.refusal(at: place, .missingHypothesis("a3[i] != 0")) == .notProved(place: place, reason: "missing assumption: a3[i] != 0"))
    #expect(ModelCertificate.refusal(at: place, .kernel("x")).description.hasPrefix("no model certificate: not proved at the gradient of dense1.W"))
  }

  @Test func aFormulaLayerAndDropoutAreCertified() throws {
    let spec = "input 5\ndense 4\nlayer swish(n)\n  input x[n]\n  output y[i: n] = x[i] * sigmoid(x[i])\ndropout keep 0.5\ndense 3\nloss mse\n"
    let model = try Sequential(try ModelSpec(parsing: spec), seed: 1, certificates: testStore)
    // Not built with the model (a formula's proof time is unbounded), but on request.
    #expect(model.modelCertificate == nil)
    #expect(model.modelCertificateGap?.contains("formula layer") == true)
    let certificate = try ModelCertificate.prove(model.schedule, formulas: model.formulaBlocks)
    #expect(certificate.parameters.count == 4)
    #expect(certificate.statement.contains("dropout1_m"))
  }

  @Test func aCheckpointCarriesItsModelCertificate() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    let stored = try Checkpoint(decoding: Checkpoint(model: model).encoded())
    #expect(stored.modelCertificate == model.modelCertificate)
    #expect(try stored.checkModelCertificate().parameters == 4)
    _ = try stored.makeModel(certificates: testStore)
  }

  /// A checkpoint of `mlp` whose model certificate lost its last step. The recorded hash is that
  /// of the tampered certificate: only the replay can refuse it.
  static func checkpointWithATruncatedCertificate() throws -> Checkpoint {
    let model = try Sequential(try ModelSpec(parsing: mlp), seed: 1, certificates: testStore)
    var checkpoint = Checkpoint(model: model)
    var certificate = try #require(checkpoint.modelCertificate)
    certificate.derivation.steps.removeLast()
    checkpoint.modelCertificate = certificate
    return checkpoint
  }

  @Test func aCheckpointWhoseModelCertificateDoesNotReplayIsRefused() throws {
    let stored = try Checkpoint(decoding: Self.checkpointWithATruncatedCertificate().encoded())
    #expect(throws: ModelCertificateError.self) { try stored.checkModelCertificate() }
    do {
      _ = try stored.makeModel(certificates: testStore)
      Issue.record("a checkpoint whose model certificate does not replay was loaded")
    } catch let TrainingError.badCheckpoint(_, reason) {
      // The derivation replays, but the last parameter's step is gone.
      #expect(reason.hasPrefix("its model certificate does not replay: refused: the model certificate is rejected at parameter dense1.b"), "\(reason)")
    }
  }

  @Test func aCheckpointWithoutOneLoadsAndSaysSo() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    var checkpoint = Checkpoint(model: model)
    checkpoint.modelCertificate = nil
    let bytes = checkpoint.encoded()
    #expect(!String(decoding: bytes.prefix(4096), as: UTF8.self).contains("model_certificate"))
    let stored = try Checkpoint(decoding: bytes)
    #expect(try stored.makeModel(certificates: testStore).modelCertificate != nil)
    #expect(throws: ModelCertificateError.missing("the checkpoint carries no model certificate (written before model certificates; one is built when the model is loaded)")) {
      try stored.checkModelCertificate()
    }
  }

  @Test func aModelCertificateOfAnOlderRuleSetIsRebuiltAndSaysSo() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    var checkpoint = Checkpoint(model: model)
    var certificate = try #require(checkpoint.modelCertificate)
    certificate.derivation.ruleSetVersion = "certify-rules-0"
    checkpoint.modelCertificate = certificate
    let stored = try Checkpoint(decoding: checkpoint.encoded())
    #expect(stored.supersededModelCertificateRuleSet == "certify-rules-0")
    // The model loads with its own certificate, built at load; the old one is never replayed.
    let loaded = try stored.makeModel(certificates: testStore)
    #expect(loaded.modelCertificate == model.modelCertificate)
    #expect(throws: ModelCertificateError.missing("the checkpoint's model certificate was written for rule set certify-rules-0, and this kernel replays \(Derivation.ruleSetVersion) (one is built when the model is loaded)")) {
      try stored.checkModelCertificate()
    }
  }
  /// Format 2 wrote a residual's contribution that only scales the cotangent under a name of its
  /// own; its statements are not the ones written now, so a checkpoint carrying one loads, sets it
  /// aside and builds the model's own.
  @Test func aModelCertificateOfFormatTwoIsRebuiltAndSaysSo() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    let current = Array(ModelCertificate.format.utf8), old = Array("certify-model-certificate-2".utf8)
    var bytes = Checkpoint(model: model).encoded()
    let at = try #require((0...(bytes.count - current.count)).first { Array(bytes[$0..<($0 + current.count)]) == current })
    bytes.replaceSubrange(at..<(at + current.count), with: old)
    let stored = try Checkpoint(decoding: bytes)
    #expect(stored.supersededModelCertificateFormat == "certify-model-certificate-2" && stored.modelCertificate == nil)
    #expect(try stored.makeModel(certificates: testStore).modelCertificate == model.modelCertificate)
    #expect(throws: ModelCertificateError.missing("the checkpoint's model certificate is in format certify-model-certificate-2, and this program reads \(ModelCertificate.format) (one is built when the model is loaded)")) {
      try stored.checkModelCertificate()
    }
  }

  @Test func anotherModelsCertificateIsRefused() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    let other = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 6\ndense 5\ntanh\ndense 3\nloss softmax_cross_entropy\n"), seed: 1)
    #expect(throws: ModelCertificateError.self) { try model.modelCertificate!.verify(against: other.schedule) }
  }

  @Test func aMutatedModelCertificateFailsToReplay() throws {
    let model = try Sequential(try ModelSpec(parsing: Self.mlp), seed: 1, certificates: testStore)
    var mutated = try #require(model.modelCertificate)
    // Drop a step from the middle of the derivation: the steps after it name the wrong premises.
    mutated.derivation.steps.remove(at: mutated.derivation.steps.count / 2)
    do {
      _ = try mutated.verify(against: model.schedule)
      Issue.record("a truncated proof replayed")
    } catch let ModelCertificateError.rejected(place, _) {
      #expect(place.hasPrefix("the model's derivation, step ") || place.hasPrefix("parameter "), "\(place)")
    }
    // A parameter pointed at another parameter's step: it proves another theorem.
    var swapped = try #require(model.modelCertificate)
    swapped.parameters[2].step = swapped.parameters[0].step
    #expect(throws: ModelCertificateError.rejected(place: "parameter dense1.W", reason: "")) {
      do { _ = try swapped.verify(against: model.schedule) } catch let ModelCertificateError.rejected(place, _) {
        throw ModelCertificateError.rejected(place: place, reason: "")
      }
    }
    // An edited theorem text: the statement no longer matches.
    var edited = try #require(model.modelCertificate)
    edited.statement = edited.statement.replacingOccurrences(of: "da1[o] * a0[i]", with: "da1[o] * a0[i] * 2")
    #expect(throws: ModelCertificateError.self) { try edited.verify(against: model.schedule) }
  }

  @Test func aGradientRoutedToTheWrongParameterIsRefused() throws {
    var s = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 3\ndense 3\ntanh\ndense 3\nloss mse\n"), seed: 1).schedule
    // dense1's weight gradient stored in dense2's weight, and the other way round.
    s.steps[0].gradients[0].parameter = "dense1.W"
    s.steps[2].gradients[0].parameter = "dense2.W"
    expectMiswired(s, at: "the gradient of dense1.W at schedule step 0 (node dense2)")
  }

  @Test func swappedCotangentsAreRefused() throws {
    var s = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 3\ndense 3\ntanh\ndense 3\ntanh\ndense 3\nloss mse\n"), seed: 1).schedule
    // tanh2 reads the cotangent meant for tanh1 and the other way round.
    (s.steps[1].reads, s.steps[3].reads) = (s.steps[3].reads, s.steps[1].reads)
    expectMiswired(s, at: "schedule step 1 (node tanh2)")
  }

  /// `a1` feeds two branches joined by `add`: its cotangent is the sum of theirs.
  static func fanOut(sum: [String]) -> BackwardSchedule {
    let d1 = [BackwardSchedule.Route(rule: "dense.W", parameter: "dense1.W"), .init(rule: "dense.b", parameter: "dense1.b")]
    let d2 = [BackwardSchedule.Route(rule: "dense.W", parameter: "dense2.W"), .init(rule: "dense.b", parameter: "dense2.b")]
    return BackwardSchedule(
      nodes: [
        .init(name: "dense1", block: "dense", inputs: ["a0"], output: "a1", parameters: d1),
        .init(name: "tanh1", block: "tanh", inputs: ["a1"], output: "a2", parameters: []),
        .init(name: "sigmoid1", block: "sigmoid", inputs: ["a1"], output: "a3", parameters: []),
        .init(name: "add1", block: "add", inputs: ["a2", "a3"], output: "a4", parameters: []),
        .init(name: "dense2", block: "dense", inputs: ["a4"], output: "a5", parameters: d2),
      ],
      input: "a0", loss: "mse", lossInput: "a5",
      steps: [
        .init(node: 4, reads: "da5", writes: ["da4"], gradients: d2),
        .init(node: 3, reads: "da4", writes: ["da2", "da3"], gradients: []),
        .init(node: 2, reads: "da3", writes: ["da1_s"], gradients: []),
        .init(node: 1, reads: "da2", writes: ["da1_t"], gradients: []),
        .init(node: 0, reads: "da1", writes: [nil], gradients: d1),
      ],
      sums: ["a4": ["da4"], "a2": ["da2"], "a3": ["da3"], "a1": sum])
  }

  @Test func aFanOutSumsItsCotangents() throws {
    let certificate = try ModelCertificate.prove(Self.fanOut(sum: ["da1_t", "da1_s"]), formulas: ["add": Self.add])
    #expect(certificate.statement.contains("def da1[j1: N2] = da1_t[j1] + da1_s[j1]"))
    #expect(try certificate.verify(against: Self.fanOut(sum: ["da1_t", "da1_s"]), formulas: ["add": Self.add]).parameters == 4)
  }

  @Test func aMissingFanOutSumIsRefused() throws {
    // The contribution is written but not summed: refused where it is written.
    expectMiswired(Self.fanOut(sum: ["da1_t"]), formulas: ["add": Self.add], at: "schedule step 2 (node sigmoid1)")
    // Not written at all: the sum has one term, and the theorem of dense1's weight is false.
    var s = Self.fanOut(sum: ["da1_t"])
    s.steps[2].writes = [nil]
    expectMiswired(s, formulas: ["add": Self.add], at: "the gradient of dense1.W (schedule step 4, node dense1)", because: "differ")
  }

  @Test func aResidualJoinsCotangentsOfTheRightBranch() throws {
    // The add node's contributions swapped is harmless (both are dy); a step reading a
    // cotangent its node does not write is refused by name.
    var s = Self.fanOut(sum: ["da1_t", "da1_s"])
    (s.steps[2].reads, s.steps[3].reads) = (s.steps[3].reads, s.steps[2].reads)
    expectMiswired(s, formulas: ["add": Self.add], at: "schedule step 2 (node sigmoid1)", because: "reads da2")
  }
}

extension ModelCertificateTests {
  /// One derivation per model (Docs/Engine.md): each layer's identity is normalized once, shared
  /// by every parameter below it, so the derivation holds one `jvp` per layer identity and one per
  /// parameter's own layer, where proofs one by one repeat every layer above each parameter.
  @Test func theGradientsOfAModelShareOneDerivation() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 4\ndense 4\ntanh\ndense 4\ntanh\ndense 3\nloss mse\n"), seed: 1)
    let certificate = try ModelCertificate.prove(model.schedule, cached: false)
    let written = try ModelStatement(model.schedule, blocks: { try BlockText.named($0, formulas: [:]) })
    let statements = try written.statements()
    let alone = written.theorems.map { Prover.prove(statements[$0.name]!) }
    func jvps(_ steps: [Step]) -> Int { steps.filter { if case .rewrite(_, _, .jvp) = $0 { true } else { false } }.count }
    #expect(alone.allSatisfy { $0.proved })
    // Five layer identities (the loss, dense3's input, tanh2, dense2's input, tanh1) and six
    // parameters' own layers.
    #expect(jvps(certificate.derivation.steps) == 11)
    #expect(certificate.steps < alone.map(\.steps.count).reduce(0, +))  // 547 against 981 here
    #expect(try certificate.verify(against: model.schedule).parameters == 6)
  }
}
