@testable import Certificates
import Foundation
import ProofKernel
import Testing

/// Replaying on several threads gives what replaying one step after another gives: the same
/// theorem at every step, and the same first refusal with the same reason.
@Suite("Parallel replay")
struct ParallelReplayTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// Certificates of a few hundred steps each: long enough for threads to wait on one another,
  /// short enough to replay in a debug build in seconds.
  static let files = ["textbook_forms/binary_cross_entropy.x.json", "textbook/layer_norm.x.json", "transformer/attention_heads.Q.json"]

  static func certificate(_ file: String) throws -> Certificate {
    try Certificate(decoding: String(contentsOf: root.appendingPathComponent("Certificates/" + file), encoding: .utf8))
  }

  /// One step after another, as `Derivation` records them: the serialized theorems, or the first
  /// step refused and the kernel's reason.
  static func sequential(_ steps: [Step]) -> Result<[String], ParallelReplay.Refusal> {
    var derivation = Derivation()
    for (k, step) in steps.enumerated() {
      do { try derivation.apply(step) } catch { return .failure(ParallelReplay.Refusal(step: k, error: error)) }
    }
    return .success(derivation.theorems.map { (try? $0.serialized()) ?? "unprintable" })
  }

  static func parallel(_ steps: [Step], threads: Int) -> Result<[String], ParallelReplay.Refusal> {
    do { return .success(try ParallelReplay.theorems(of: steps, threads: threads, from: 0, keeping: nil).map { (try? $0!.serialized()) ?? "unprintable" }) } catch { return .failure(error) }
  }

  static func same(_ a: Result<[String], ParallelReplay.Refusal>, _ b: Result<[String], ParallelReplay.Refusal>) -> Bool {
    switch (a, b) {
    case let (.success(x), .success(y)): return x == y
    case let (.failure(x), .failure(y)): return x.step == y.step && "\(x.error)" == "\(y.error)"
    default: return false
    }
  }

  @Test func everyStepsTheoremIsTheSequentialOne() throws {
    for file in Self.files {
      let certificate = try Self.certificate(file)
      #expect(certificate.steps.count > 200)
      let expected = Self.sequential(certificate.steps)
      guard case .success = expected else { Issue.record("\(file) does not replay"); continue }
      for threads in [2, 4] {
        #expect(Self.same(Self.parallel(certificate.steps, threads: threads), expected), "\(file), \(threads) threads")
      }
    }
  }

  /// Keeping some steps: those steps' theorems are the sequential ones, every other is released
  /// (nil), one thread or several; a refusal is the same first one.
  @Test func keptStepsAreTheSequentialOnesAndTheRestReleased() throws {
    let certificate = try Self.certificate(Self.files[1])
    let steps = certificate.steps
    guard case let .success(expected) = Self.sequential(steps) else { Issue.record("does not replay"); return }
    let kept: Set<Int> = [0, 17, steps.count / 2, steps.count - 1]
    for (threads, from) in [(1, 0), (2, 0), (4, 0), (2, steps.count + 1)] {
      let theorems = try ParallelReplay.theorems(of: steps, threads: threads, from: from, keeping: kept)
      #expect(theorems.count == steps.count)
      for (k, theorem) in theorems.enumerated() {
        if kept.contains(k) {
          #expect((try theorem?.serialized()) == expected[k], "step \(k), \(threads) threads")
        } else {
          #expect(theorem == nil, "step \(k) kept, \(threads) threads")
        }
      }
    }
    var broken = steps
    broken[steps.count / 3] = .sym(steps.count - 1)
    guard case let .failure(refusal) = Self.sequential(broken) else { Issue.record("the broken derivation replays"); return }
    do {
      _ = try ParallelReplay.theorems(of: broken, threads: 2, from: 0, keeping: kept)
      Issue.record("the broken derivation replays in parallel")
    } catch {
      #expect(error.step == refusal.step && "\(error.error)" == "\(refusal.error)")
    }
  }

  @Test func theFirstRefusedStepIsReportedWithTheKernelsReason() throws {
    let certificate = try Self.certificate(Self.files[0])
    let steps = certificate.steps
    #expect(steps.count > 200)
    // A premise that is not earlier, a late one and an early one: the early one is reported.
    for (late, early) in [(steps.count - 5, steps.count / 3), (steps.count / 2, 65)] {
      var broken = steps
      broken[late] = .sym(late + 1)
      broken[early] = .trans(early, early - 1)
      let expected = Self.sequential(broken)
      guard case let .failure(refusal) = expected else { Issue.record("the broken derivation replays"); continue }
      #expect(refusal.step == min(late, early))
      for threads in [2, 4] { #expect(Self.same(Self.parallel(broken, threads: threads), expected), "\(threads) threads") }
    }
    // A step the kernel refuses by its rule: a ring step to another target.
    var broken = steps
    let k = try #require(broken.indices.last { if case .rewrite(_, _, .ring) = broken[$0] { true } else { false } })
    guard case let .rewrite(a, path, .ring) = broken[k] else { return }
    broken[k] = .rewrite(a, path: path, .ring(.integer(7)))
    let expected = Self.sequential(broken)
    guard case .failure = expected else { Issue.record("the broken ring step replays"); return }
    for threads in [2, 4] { #expect(Self.same(Self.parallel(broken, threads: threads), expected), "\(threads) threads") }
  }
}
