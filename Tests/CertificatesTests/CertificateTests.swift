import Algebra
import Certificates
import Foundation
import ProofKernel
import Testing

@Suite("Certificates of real proofs")
struct CertificateTests {
  /// Each example is proved by the engine, written, read back, and replayed by the kernel to the
  /// same theorem and hash.
  @Test func realProofsReplay() throws {
    #expect(exampleCertificates.count == 5)
    for certificate in exampleCertificates {
      let text = certificate.encoded()
      let replayed = try Replay.replay(encoded: text)
      #expect(replayed.serialization == certificate.theorem)
      #expect(replayed.sha256 == certificate.sha256)
      #expect(replayed.sha256 == CertificateHash.sha256(of: try replayed.theorem.serialized()))
      #expect(replayed.theorem.description == certificate.statement)
    }
  }

  /// The certificate states the statement the engine was asked to prove, with its assumptions.
  @Test func certificateRecordsTheStatement() throws {
    let (relu, _) = Examples.relu
    let certificate = exampleCertificates.first { $0.name == "relu.x" }!
    let replayed = try Replay.replay(certificate)
    #expect(replayed.theorem.lhs == relu.lhs)
    #expect(replayed.theorem.rhs == relu.rhs)
    #expect(Set(replayed.theorem.hypotheses) == Set(try relu.hypotheses))
    #expect(certificate.sideConditions.contains("forall k: n. x[k] != 0"))
    #expect(certificate.statement.contains("vjp(o: n -> relu(x[o]), x, dy)[i] = step(x[i]) * dy[i]"))
    let dense = exampleCertificates.first { $0.name == "dense.x" }!
    #expect(dense.definitions.map(\.name) == ["y"])
    #expect(dense.ruleSetVersion == Derivation.ruleSetVersion)
    #expect(dense.functionTableVersion == FunctionTable.version)
  }

  /// Same input, same bytes: encoding twice, re-encoding what was read, and proving again.
  @Test func outputIsDeterministic() throws {
    for (certificate, (statement, source)) in zip(exampleCertificates, Examples.all) {
      let text = certificate.encoded()
      #expect(text == certificate.encoded())
      #expect(text.hasSuffix("}\n"))
      let decoded = try Certificate(decoding: text)
      #expect(decoded == certificate)
      #expect(decoded.encoded() == text)
      #expect(try certify(statement, source: source).encoded() == text)
    }
  }

  /// The file is valid JSON (checked by Foundation's independent parser), keys in the fixed order,
  /// one step per line.
  @Test func fileLayout() throws {
    let certificate = exampleCertificates[0]
    let text = certificate.encoded()
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    #expect(object?["sha256"] as? String == certificate.sha256)
    #expect((object?["steps"] as? [Any])?.count == certificate.steps.count)
    let keys = text.split(separator: "\n").compactMap { line -> String? in
      guard line.hasPrefix("  \""), let end = line.dropFirst(3).firstIndex(of: "\"") else { return nil }
      return String(line[line.index(line.startIndex, offsetBy: 3)..<end])
    }
    #expect(keys == ["format", "name", "source", "ruleSet", "functionTable", "statement", "sideConditions", "sha256", "theorem", "definitions", "steps"])
    let stepLines = text.split(separator: "\n").filter { $0.hasPrefix("    {\"rule\": ") }
    #expect(stepLines.count == certificate.steps.count)
    #expect(text.hasPrefix("{\n  \"format\": \"certify-certificate-1\",\n"))
  }

  /// Strings survive the file whatever they hold: JSON escapes, control characters, any Unicode.
  @Test func stringsAreEscaped() throws {
    var certificate = exampleCertificates[0]
    certificate.name = "we\"ird\\name\n\t\u{1}é⊢😀"
    let text = certificate.encoded()
    #expect(try Certificate(decoding: text) == certificate)
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    #expect(object?["name"] as? String == certificate.name)
    let escaped = exampleCertificates[0].encoded().replacingOccurrences(of: "\"name\": \"grad_sq\"", with: "\"name\": \"\\u0067rad\\ud83d\\ude00\\/\"")
    #expect(try Certificate(decoding: escaped).name == "grad😀/")
  }

  /// A certificate proves its own theorem, not another one: checked against an expected
  /// serialization, the wrong one is rejected.
  @Test func differentStatementIsRejected() throws {
    let x = exampleCertificates.first { $0.name == "dense.x" }!
    let w = exampleCertificates.first { $0.name == "dense.W" }!
    #expect(try Replay.replay(x, expecting: x.theorem).sha256 == x.sha256)
    #expect(throws: CertificateRejection.self) { try Replay.replay(x, expecting: w.theorem) }
    do {
      _ = try Replay.replay(encoded: x.encoded(), expecting: w.theorem)
      Issue.record("dense.x accepted as dense.W")
    } catch {
      #expect(error.step == nil)
      #expect(error.reason.contains("not the expected theorem"))
    }
    // Renaming and moving a certificate does not change what it proves.
    var renamed = w
    renamed.name = "dense.x"
    #expect(throws: CertificateRejection.self) { try Replay.replay(renamed, expecting: x.theorem) }
  }

  /// Steps of every kind the engine records survive the file, rule by rule.
  @Test func everyStepKindRoundTrips() throws {
    let t = access(tensor("x", "n"), "i")
    let sum = total("j", "n", t)
    let steps: [Step] = [
      .refl(sum), .sym(0), .trans(0, 1), .alpha(0, lhs: sum, rhs: total("k", "n", t)), .cong(0, path: [0, 1], by: 1),
      .rewrite(0, path: [], .ring(sum)), .rewrite(0, path: [0], .sumLinear), .rewrite(0, path: [1, 0], .sumPrenex(factor: 2)),
      .rewrite(0, path: [], .sumMerge), .rewrite(0, path: [], .sumSplit(1)), .rewrite(0, path: [], .sumGuard),
      .rewrite(0, path: [], .bracketMerge), .rewrite(0, path: [], .sumCases(try Affine(constant: -1, [(.index("j"), 1)]))),
      .rewrite(0, path: [], .deltaElim("j")),
      .rewrite(0, path: [], .changeOfVariables("j", to: "u", sign: -1, offset: try Affine(constant: -1, [(.dimension("n"), 1)]))),
      .rewrite(0, path: [], .sumSwap(["j", "k"])), .rewrite(0, path: [], .sumCount("j")), .rewrite(0, path: [], .zeroExt),
      .rewrite(0, path: [], .unfold), .rewrite(0, path: [], .jvp), .rewrite(0, path: [], .powMerge), .rewrite(0, path: [], .powPow),
      .rewrite(0, path: [], .powMul), .rewrite(0, path: [], .logExp), .rewrite(0, path: [], .expLog), .rewrite(0, path: [], .expAdd),
      .assume(.holds(try .axis("i", size: dm("n"))), instance: []),
      .assume(try .quantified(["k"], .axis("k", size: dm("n")), .nonZero(access(tensor("x", "n"), "k"))), instance: [ix("i")]),
      .discharge(3, stating: [.holds(try .axis("i", size: dm("n")))]), .vjpIntro(4, at: ["i", "j"]),
    ]
    var certificate = exampleCertificates[0]
    certificate.steps = steps
    let decoded = try Certificate(decoding: certificate.encoded())
    #expect(decoded.steps == steps)
    #expect(Set(steps.map(\.ruleName)).count == 29)
  }
}
