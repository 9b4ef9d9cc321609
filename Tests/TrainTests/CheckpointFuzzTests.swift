import Foundation
import Testing
@testable import Train

/// The checkpoint fuzzer's seeds (Tests/FuzzCorpus/checkpoint, Docs/Fuzzing.md). Its first
/// ten-minute run found nothing; an input it finds later belongs here, expecting
/// `TrainingError.badCheckpoint`.
@Suite("Checkpoint fuzz seeds")
struct CheckpointFuzzTests {
  /// A seed that no longer decodes would leave the fuzzer stuck at the header checks.
  @Test(arguments: ["mlp-3-2-2.ckpt", "swish-3-2-2.ckpt"])
  func seedIsAValidCheckpoint(_ file: String) throws {
    let path = packageRoot.appendingPathComponent("Tests/FuzzCorpus/checkpoint/\(file)").path
    let checkpoint = try Checkpoint(contentsOf: path)
    #expect(checkpoint.arrays.map(\.name) == ["dense1.W", "dense1.b", "dense2.W", "dense2.b"])
  }
}
