import Certificates
import Exact
import Foundation
import ProofKernel
import Testing

/// Broken certificates: each is rejected, with the step at fault where a step is at fault, and a
/// reason; none is accepted and none crashes.
extension Certificate: CustomTestStringConvertible {
  public var testDescription: String { name }
}

@Suite("Tampered certificates")
struct TamperTests {
  /// The rejection of `text`; records an issue when it is accepted.
  func rejection(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) -> CertificateRejection? {
    do {
      let accepted = try Replay.replay(encoded: text)
      Issue.record("accepted (\(what)): \(accepted.theorem)", sourceLocation: sourceLocation)
      return nil
    } catch {
      #expect(!error.reason.isEmpty, sourceLocation: sourceLocation)
      return error
    }
  }

  /// The file's lines, and the line numbers of its steps in step order.
  func stepLines(_ text: String) -> (lines: [String], steps: [Int]) {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    return (lines, lines.indices.filter { lines[$0].hasPrefix("    {\"rule\": ") })
  }

  /// Replaces the first line of step kind `rule` by `change(line)`; the step's number and the text.
  func tamperStep(_ text: String, rule: String, where accept: (String) -> Bool = { _ in true }, _ change: (String) -> String) -> (Int, String)? {
    var (lines, steps) = stepLines(text)
    guard let k = steps.indices.first(where: { lines[steps[$0]].hasPrefix("    {\"rule\": \"\(rule)\"") && accept(lines[steps[$0]]) }) else { return nil }
    lines[steps[k]] = change(lines[steps[k]])
    return (k, lines.joined(separator: "\n"))
  }

  func replacingFirst(_ s: String, _ target: String, _ replacement: String) -> String {
    guard let r = s.range(of: target) else { return s }
    return s.replacingCharacters(in: r, with: replacement)
  }

  // MARK: - (a) rule names

  @Test(arguments: exampleCertificates)
  func ruleNameChanged(_ certificate: Certificate) throws {
    let text = certificate.encoded()
    // A rule whose fields differ: the file is refused at that step.
    let (k1, t1) = try #require(tamperStep(text, rule: "ring") { replacingFirst($0, "\"ring\"", "\"sum-linear\"") })
    let r1 = rejection(t1, "ring renamed sum-linear")
    #expect(r1?.step == k1)
    #expect(r1?.reason.contains("target: not a field here") == true)
    // A rule with the same fields: the kernel refuses it at that step.
    let (k2, t2) = try #require(tamperStep(text, rule: "jvp") { replacingFirst($0, "\"jvp\"", "\"unfold\"") })
    let r2 = rejection(t2, "jvp renamed unfold")
    #expect(r2?.step == k2)
    #expect(r2?.reason.hasPrefix("unfold: ") == true)
    // A rule that does not exist.
    let (k3, t3) = try #require(tamperStep(text, rule: "sym") { replacingFirst($0, "\"sym\"", "\"frobnicate\"") })
    let r3 = rejection(t3, "unknown rule")
    #expect(r3?.step == k3)
    #expect(r3?.reason.contains("unknown rule \"frobnicate\"") == true)
    // A rule taking a different number of premises.
    let (k4, t4) = try #require(tamperStep(text, rule: "sym") { replacingFirst($0, "\"sym\"", "\"trans\"") })
    #expect(rejection(t4, "sym renamed trans")?.step == k4)
  }

  // MARK: - (b) positions

  @Test(arguments: exampleCertificates)
  func positionChanged(_ certificate: Certificate) throws {
    let text = certificate.encoded()
    for rule in ["ring", "cong", "jvp", "change-of-variables"] {
      guard let (k, t) = tamperStep(text, rule: rule, { replacingFirst(replacingFirst($0, "\"path\": []", "\"path\": [7]"), "\"path\": [", "\"path\": [7, ") }) else { continue }
      let r = rejection(t, "path of \(rule)")
      #expect(r?.step == k)
    }
    // The first `ring` may be at the root (`[]`, one `ring` over a whole expansion): `[-1]` there.
    let (k, t) = try #require(tamperStep(text, rule: "ring") { line in
      line.contains("\"path\": []") ? replacingFirst(line, "\"path\": []", "\"path\": [-1]") : replacingFirst(line, "\"path\": [", "\"path\": [-1, ")
    })
    #expect(rejection(t, "negative path")?.step == k)
    // Any path at all, to a different position: rejected somewhere.
    for (index, line) in stepLines(text).steps.enumerated() where index % 3 == 0 {
      var (lines, _) = stepLines(text)
      guard lines[line].contains("\"path\": [0") else { continue }
      lines[line] = replacingFirst(lines[line], "\"path\": [0", "\"path\": [1")
      _ = rejection(lines.joined(separator: "\n"), "moved position")
    }
  }

  // MARK: - (c) coefficients

  @Test(arguments: exampleCertificates)
  func ringCoefficientChanged(_ certificate: Certificate) throws {
    let text = certificate.encoded()
    let constant = /q(-?[0-9]+)(?![0-9\/])/
    let withConstant = tamperStep(text, rule: "ring", where: { $0.contains(constant) }) { line in
      let m = line.firstMatch(of: constant)!
      return line.replacingCharacters(in: m.range, with: "q\(Int(m.1)! + 1)")
    }
    let wrapped = tamperStep(text, rule: "ring") { replacingFirst(replacingFirst($0, "\"target\": \"", "\"target\": \"(* q3 "), "\"}", ")\"}") }
    for (k, t) in [withConstant, wrapped].compactMap({ $0 }) {
      let r = rejection(t, "coefficient")
      #expect(r?.step == k)
      #expect(r?.reason.hasPrefix("ring: ") == true)
    }
  }

  // MARK: - (d) terms

  @Test(arguments: exampleCertificates)
  func termChanged(_ certificate: Certificate) throws {
    let text = certificate.encoded()
    let access = /\(T ([A-Za-z_][A-Za-z0-9_']*)\[/
    let (_, renamed) = try #require(tamperStep(text, rule: "refl") { line in
      let m = line.firstMatch(of: access)!
      return line.replacingCharacters(in: m.range, with: "(T renamed[")
    })
    _ = rejection(renamed, "tensor renamed in refl")
    // A term the kernel's constructors refuse: the step and the offset are named.
    let (k, broken) = try #require(tamperStep(text, rule: "refl") { replacingFirst($0, "[{0 1*d:", "[{0 1*i:") })
    let r = rejection(broken, "index in a shape")
    #expect(r?.step == k)
    #expect(r?.reason.contains("steps[\(k)].term, character ") == true)
    // A definition's body changed.
    if !certificate.definitions.isEmpty {
      var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      let d = try #require(lines.firstIndex { $0.hasPrefix("    {\"name\": ") })
      lines[d] = replacingFirst(lines[d], "(T x[", "(T v[")
      _ = rejection(lines.joined(separator: "\n"), "definition body")
    }
  }

  // MARK: - (e) hash, (f) truncation, (g) theorem text, (h) format

  @Test(arguments: exampleCertificates)
  func hashChanged(_ certificate: Certificate) {
    let first = certificate.sha256.first!
    let flipped = String(first == "0" ? "1" : "0") + certificate.sha256.dropFirst()
    let r = rejection(replacingFirst(certificate.encoded(), certificate.sha256, flipped), "hash")
    #expect(r?.step == nil)
    #expect(r?.reason.hasPrefix("sha256: ") == true)
    var short = certificate
    short.sha256 = ""
    #expect(rejection(short.encoded(), "empty hash")?.reason.hasPrefix("sha256: ") == true)
  }

  /// Dropping steps from the end leaves a proof of something else (rejected), or, where the dropped
  /// steps changed nothing (a `discharge` with nothing to discharge), of the same theorem.
  @Test(arguments: exampleCertificates)
  func stepsTruncated(_ certificate: Certificate) {
    for keep in 1..<certificate.steps.count {
      var truncated = certificate
      truncated.steps = Array(certificate.steps.prefix(keep))
      do {
        let accepted = try Replay.replay(truncated)
        #expect(accepted.serialization == certificate.theorem)
        #expect(keep >= certificate.steps.count - 1, "\(keep) steps prove it")
      } catch {
        #expect(error.step == nil)
        #expect(error.reason.hasPrefix("theorem: the last step (\(keep - 1)) proves "), "\(error)")
      }
    }
    var empty = certificate
    empty.steps = []
    #expect(rejection(empty.encoded(), "no steps")?.reason.hasPrefix("steps: ") == true)
    // Truncating the file itself.
    let text = certificate.encoded()
    for cut in [text.count / 2, text.count - 3, 1] {
      #expect(rejection(String(text.prefix(cut)), "file cut at \(cut)")?.reason.hasPrefix("JSON, character ") == true)
    }
  }

  /// A changed theorem is rejected even when the hash is recomputed to match it: the kernel's
  /// theorem is what counts. Dropping an assumption is the forgery that matters most.
  @Test(arguments: exampleCertificates)
  func theoremChanged(_ certificate: Certificate) {
    var forged: [String] = [
      replacingFirst(certificate.theorem, "(hypotheses", "(hypotheses (H (G (ge {0 1*i:zz})))"),
      replacingFirst(certificate.theorem, "(= ", "(= (+ q1 q1) "),
    ]
    if let r = certificate.theorem.range(of: #" \(A \[[^]]*\] \(G [^)]*\)[^)]*\)\) \(!= [^)]*\)\)\)"#, options: .regularExpression) {
      forged.append(certificate.theorem.replacingCharacters(in: r, with: ""))
    }
    for text in forged where text != certificate.theorem {
      var tampered = certificate
      tampered.theorem = text
      tampered.sha256 = CertificateHash.sha256(of: text)
      let r = rejection(tampered.encoded(), "theorem changed, hash recomputed")
      #expect(r?.step == nil)
      #expect(r?.reason.hasPrefix("theorem: ") == true)
    }
    var readable = certificate
    readable.statement = "⊢ 0 = 0"
    #expect(rejection(readable.encoded(), "statement")?.reason.hasPrefix("statement: ") == true)
    readable = certificate
    readable.sideConditions = []
    #expect(rejection(readable.encoded(), "side conditions")?.reason.hasPrefix("sideConditions: ") == true)
  }

  @Test func reluAssumptionCannotBeDropped() throws {
    let relu = exampleCertificates.first { $0.name == "relu.x" }!
    let forall = "(A [k] (G (ge {-1 1*d:n -1*i:k}) (ge {0 1*i:k})) (!= (T x[{0 1*d:n}] [{0 1*i:k}])))"
    #expect(relu.theorem.contains(forall))
    var tampered = relu
    tampered.theorem = replacingFirst(relu.theorem, " " + forall, "")
    tampered.sha256 = CertificateHash.sha256(of: tampered.theorem)
    #expect(rejection(tampered.encoded(), "assumption dropped")?.reason.hasPrefix("theorem: ") == true)
    // Dropping it from the discharge step too: the kernel refuses to discharge without it.
    let (k, text) = try #require(tamperStep(tampered.encoded(), rule: "discharge") { replacingFirst($0, "\"" + forall + "\", ", "") })
    let r = rejection(text, "assumption dropped from discharge")
    #expect(r?.step == k)
    #expect(r?.reason.hasPrefix("discharge: hypothesis not stated and not provable") == true)
  }

  @Test(arguments: exampleCertificates)
  func versionsChanged(_ certificate: Certificate) {
    let text = certificate.encoded()
    let format = rejection(replacingFirst(text, "certify-certificate-1", "certify-certificate-2"), "format")
    #expect(format?.reason.hasPrefix("format: unknown version \"certify-certificate-2\"") == true)
    #expect(format?.step == nil)
    #expect(rejection(replacingFirst(text, Derivation.ruleSetVersion, "certify-rules-1"), "rule set")?.reason.hasPrefix("ruleSet: ") == true)
    #expect(rejection(replacingFirst(text, "certify-functions-1", "certify-functions-9"), "function table")?.reason.hasPrefix("functionTable: ") == true)
  }

  // MARK: - (i) malformed files

  @Test(arguments: exampleCertificates)
  func malformedFiles(_ certificate: Certificate) throws {
    let text = certificate.encoded()
    var (lines, steps) = stepLines(text)
    func without(_ key: String) -> String { lines.filter { !$0.hasPrefix("  \"\(key)\": ") }.joined(separator: "\n") }
    #expect(rejection(without("sha256"), "no hash")?.reason == "sha256: missing")
    #expect(rejection(without("name"), "no name")?.reason == "name: missing")
    #expect(rejection(replacingFirst(text, "\"name\": \"", "\"name\": 5, \"x\": \""), "name not a string")?.reason.hasPrefix("name: expected a string") == true)
    #expect(rejection(replacingFirst(text, "{\n", "{\n  \"extra\": 1,\n"), "extra field")?.reason == "extra: not a field here")
    #expect(rejection(replacingFirst(text, "{\n", "{\n  \"name\": \"again\",\n"), "duplicate key")?.reason.contains("appears twice") == true)
    for garbage in ["", "null", "[]", "{", "{}", "\"certificate\"", "{\"format\": \"certify-certificate-1\"}", "\u{0}"] {
      _ = rejection(garbage, "garbage \(garbage)")
    }
    let k = try #require(steps.indices.first { $0 >= steps.count / 2 && lines[steps[$0]].contains(/"premises": \[[0-9]/) })
    let original = lines[steps[k]]
    let cases: [(String, String)] = [
      (replacingFirst(original, "\"premises\": [", "\"premises\": \"x\", \"unused\": ["), "premises: expected an array"),
      (replacingFirst(original, "\"premises\": [", "\"premises\": [1.5, "), "is not an integer"),
      (replacingFirst(original, "\"premises\": [", "\"premises\": [999999, "), "premises"),
      (replacingFirst(original, "{\"rule\": ", "{\"rule\": 3, \"r\": "), "rule: expected a string"),
      (replacingFirst(original, "{\"rule\": ", "{\"note\": 1, \"rule\": "), "note: not a field here"),
      ("    42" + (original.hasSuffix(",") ? "," : ""), "expected an object"),
    ]
    for (line, reason) in cases {
      lines[steps[k]] = line
      let r = rejection(lines.joined(separator: "\n"), reason)
      #expect(r?.step == k, "\(reason): \(r?.description ?? "")")
      #expect(r?.reason.contains(reason) == true, "\(reason): \(r?.description ?? "")")
    }
    lines[steps[k]] = original
    // A premise that is not an earlier step: the kernel names it.
    let (j, forward) = try #require(tamperStep(text, rule: "sym") { replacingFirst($0, "\"premises\": [", "\"premises\": [1") })
    let r = rejection(forward, "premise not earlier")
    #expect(r?.step == j)
    #expect(r?.reason.hasPrefix("premise: ") == true)
  }

  // MARK: - Every kernel refusal, from a broken certificate

  /// Each `KernelError` case, raised by a step of a broken certificate, is the rejection's reason
  /// at that step.
  @Test func everyKernelErrorIsReported() throws {
    let n = dm("n")
    let j = ix("j")
    let axis = try Term.sum(["j"], .axis("j", size: n), c(1))
    let doubled = try Term.sum(["j"], .axis("j", size: n), .access(tensor("x", "n"), [try Affine([(.index("j"), 2)])]))
    let short = try Term.sum(["j"], Guard(nonNegative: [j, try n.plus(.constant(-5)).plus(j.scaled(by: -1))]), c(1))
    let cases: [(Term, Step, (KernelError) -> Bool)] = [
      (axis, .rewrite(0, path: [], .changeOfVariables("j", to: "9bad", sign: 1, offset: .constant(0))), { if case .malformed = $0 { true } else { false } }),
      (axis, .rewrite(0, path: [], .unfold), { if case .ruleMismatch = $0 { true } else { false } }),
      (short, .rewrite(0, path: [], .sumCount("j")), { if case .sideCondition = $0 { true } else { false } }),
      (doubled, .rewrite(0, path: [], .changeOfVariables("j", to: "u", sign: 1, offset: .constant(Int.max))), { if case .overflow = $0 { true } else { false } }),
    ]
    var broken = exampleCertificates[0]
    for (term, step, isCase) in cases {
      var derivation = Derivation()
      try derivation.apply(.refl(term))
      var expected: KernelError?
      do { try derivation.apply(step) } catch let error as KernelError { expected = error }
      let error = try #require(expected)
      #expect(isCase(error), "\(error)")
      broken.steps = [.refl(term), step]
      let r = rejection(broken.encoded(), error.description)
      #expect(r == CertificateRejection(step: 1, rule: step.ruleName, reason: error.description))
    }
    // undischarged: the relu proof, discharged without its assumption.
    let relu = exampleCertificates.first { $0.name == "relu.x" }!
    var steps = relu.steps
    guard case let .discharge(premise, stated) = steps.last! else { Issue.record("relu does not end in discharge"); return }
    steps[steps.count - 1] = .discharge(premise, stating: stated.filter { if case .forAll = $0 { false } else { true } })
    broken = relu
    broken.steps = steps
    let r = rejection(broken.encoded(), "undischarged")
    #expect(r?.step == steps.count - 1)
    #expect(r?.reason.hasPrefix("discharge: hypothesis not stated and not provable: forall o: n. x[o] != 0") == true)
  }

  // MARK: - Random damage

  /// Random one-character changes anywhere in the file: each is rejected, or accepted as exactly
  /// the original theorem (a change to the name, the source, or layout). Never a crash.
  @Test(arguments: exampleCertificates)
  func randomDamageNeverForges(_ certificate: Certificate) {
    var gen = TermGenerator(seed: UInt64(certificate.name.utf8.count) &* 31)
    let bytes = Array(certificate.encoded().utf8)
    let alphabet = Array("0123456789aeiqxyzGTSDRV(){}[]:,\"-*/ _\n".utf8)
    var rejected = 0
    for _ in 0..<300 {
      var damaged = bytes
      let at = gen.next(damaged.count)
      let b = alphabet[gen.next(alphabet.count)]
      if damaged[at] == b { continue }
      damaged[at] = b
      do {
        let accepted = try Replay.replay(encoded: String(decoding: damaged, as: UTF8.self))
        #expect(accepted.serialization == certificate.theorem)
      } catch {
        #expect(!error.reason.isEmpty)
        rejected += 1
      }
    }
    #expect(rejected > 200)
  }
}
