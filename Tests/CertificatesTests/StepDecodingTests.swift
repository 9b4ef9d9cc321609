@testable import Certificates
import Foundation
import ProofKernel
import Testing

/// A long step list is read in two halves at once; what it reads, and the error it reports, are
/// those of reading the steps one by one.
@Suite("Steps read in halves")
struct StepDecodingTests {
  /// A certificate of `count` steps or more: an example's steps repeated (reading checks their
  /// form only, so they need not replay).
  static func long(_ count: Int) -> Certificate {
    var c = exampleCertificates.max { $0.steps.count < $1.steps.count }!
    let steps = c.steps
    while c.steps.count < count { c.steps += steps }
    return c
  }

  @Test func aLongListReadsAsPrinted() throws {
    let c = Self.long(Certificate.stepsReadInHalves + 1)
    #expect(c.steps.count > Certificate.stepsReadInHalves)
    #expect(try Certificate(decoding: c.encoded()) == c)
  }

  /// With a bad step in each half, the first half's is reported; with one in the second half
  /// only, that one, by its number.
  @Test func theFirstBadStepIsReported() throws {
    let c = Self.long(Certificate.stepsReadInHalves + 1)
    let lines = c.encoded().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let first = lines.firstIndex(of: "  \"steps\": [")! + 1
    func spoiled(_ ks: [Int]) -> String {
      var out = lines
      for k in ks { out[first + k] = out[first + k].replacingOccurrences(of: "{\"rule\": \"", with: "{\"rule\": \"no-") }
      return out.joined(separator: "\n")
    }
    let (early, late) = (3, c.steps.count - 2)
    func refusal(_ text: String) -> CertificateError? {
      do { _ = try Certificate(decoding: text); return nil } catch { return error }
    }
    let rule = { (k: Int) in "no-\(c.steps[k].ruleName)" }
    #expect(refusal(spoiled([early, late])) == .field("steps[\(early)].rule", step: early, reason: "unknown rule \"\(rule(early))\""))
    #expect(refusal(spoiled([late])) == .field("steps[\(late)].rule", step: late, reason: "unknown rule \"\(rule(late))\""))
  }
}
