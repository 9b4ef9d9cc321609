@testable import Certificates
import Foundation
import ProofKernel
import Testing

/// The memo that shares a certificate's repeated groups between its readers reads what reading
/// each text alone reads, and refuses what it refuses.
@Suite("Term memo")
struct TermMemoTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Certificates")

  /// Every step of the certificates under Certificates/ decodes, through the certificate's memo,
  /// to the step its text gives read without one: those under 128 KB (155 of 161 files, a third
  /// of the bytes), or with `CERTIFY_LONG_TESTS=1` all of them (a debug build reads without the
  /// memo slowly).
  @Test func certificatesDecodeAsWithoutTheMemo() throws {
    let all = ProcessInfo.processInfo.environment["CERTIFY_LONG_TESTS"] == "1"
    let files = FileManager.default.enumerator(at: Self.folder, includingPropertiesForKeys: nil)?
      .compactMap { $0 as? URL }.filter { $0.pathExtension == "json" } ?? []
    #expect(files.count > 100)
    var read = 0
    for file in files {
      let text = try String(contentsOf: file, encoding: .utf8)
      guard all || text.utf8.count < 128 * 1024 else { continue }
      read += 1
      let certificate = try Certificate(decoding: text)
      let table = Dictionary(uniqueKeysWithValues: certificate.definitions.map { ($0.name, $0) })
      guard case let .object(members) = try JSONParser.parse(text), case let .array(steps)? = members.first(where: { $0.key == "steps" })?.value else {
        Issue.record("\(file.lastPathComponent) has no steps")
        continue
      }
      #expect(steps.count == certificate.steps.count)
      for (k, value) in steps.enumerated() {
        let alone = try Certificate.decodeStep(value, number: k, definitions: table, memo: nil)
        #expect(alone == certificate.steps[k], "\(file.lastPathComponent) step \(k)")
      }
    }
    #expect(read > 100)
  }

  /// Generated terms, each printed by name and inline, read through one memo as they read alone:
  /// later texts meet groups read before, and inline definitions that add names mid-text.
  @Test func generatedTermsReadAsWithoutTheMemo() throws {
    var gen = TermGenerator(seed: 5)
    let memo = TermMemo(definitions: gen.definitions)
    var texts: [String] = []
    for _ in 0..<1_500 {
      let t = gen.term(depth: 4, scope: ["a", "b'"])
      texts += [t.serialized(inlineDefinitions: false), t.serialized()]
    }
    let seen = memo.groups.count
    for text in texts + texts {
      let alone = try SExpression.term(text, definitions: gen.definitions)
      #expect(try SExpression.term(text, memo: memo, origin: Origin(field: "term", step: nil)) == alone, "\(text)")
    }
    #expect(memo.groups.count > seen)
  }

  /// A group met again deeper than the reader allows is refused as reading it there alone would
  /// refuse it, at the same character; one level shallower, both read it.
  @Test func depthIsCheckedOnGroupsMetAgain() throws {
    let memo = TermMemo(definitions: [:])
    let inner = "(f exp (f exp q1))"
    let innerTerm = try SExpression.term(inner, memo: memo, origin: Origin(field: "term", step: nil))
    #expect(memo.groups.count == 2)
    func wrapped(_ n: Int) -> String { String(repeating: "(f exp ", count: n) + inner + String(repeating: ")", count: n) }
    let deepest = SExpressionParser.maximumDepth - 3  // the inner group nests 3 levels
    let fits = try SExpression.term(wrapped(deepest), memo: memo, origin: Origin(field: "term", step: nil))
    #expect(fits == (try SExpression.term(wrapped(deepest))))
    #expect(fits != innerTerm)
    var memoError: CertificateError?, aloneError: CertificateError?
    do { _ = try SExpression.term(wrapped(deepest + 1), memo: memo, origin: Origin(field: "term", step: nil)) } catch { memoError = error }
    do { _ = try SExpression.term(wrapped(deepest + 1)) } catch { aloneError = error }
    #expect(aloneError != nil)
    #expect(memoError == aloneError)
  }

  /// A text the kernel prints otherwise is refused through the memo too, even when its groups
  /// were all read before.
  @Test func nonCanonicalTextsAreRefusedThroughTheMemo() throws {
    let memo = TermMemo(definitions: [:])
    _ = try SExpression.term("(+ q1 (f exp q1))", memo: memo, origin: Origin(field: "term", step: nil))
    #expect(throws: CertificateError.self) { try SExpression.term("(+ (f exp q1))", memo: memo, origin: Origin(field: "term", step: nil)) }
    #expect(throws: CertificateError.self) { try SExpression.term("(+ (f exp q1))") }
  }
}
