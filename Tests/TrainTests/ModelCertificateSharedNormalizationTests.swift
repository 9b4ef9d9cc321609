import Testing
@testable import Algebra
import ProofKernel
@testable import Train

/// What the normalizers of one model's proof share (`ChainProof.Shared.normalized` and
/// `.normalForms`, Docs/Engine.md "Normalization shared across a model's proof"), each switched
/// off in turn on the miniature ResNet's stem weights: the same theorem, in more steps.
@Suite("Model certificates: normalization shared across a model's proof")
struct ModelCertificateSharedNormalizationTests {
  /// The stem's weights proved top-down with `configure` applied to the shared state first:
  /// the derivation's steps, and the state.
  static func stem(_ configure: (ChainProof.Shared) -> Void) throws -> (steps: [Step], shared: ChainProof.Shared) {
    let s = try ModelCertificateResidualBatchTests.schedule(ModelCertificateResidualBatchTests.convolutional)
    let statement = try #require(try ModelCertificateResidualBatchTests.statements(s)["model.conv2d1.w"])
    let shared = ChainProof.Shared()
    configure(shared)
    let proved = try #require(try ChainProof.attemptTopDown(statement, sharing: shared))
    #expect(proved.theorem.lhs == statement.lhs && proved.theorem.rhs == statement.rhs)
    return (shared.builder.derivation.steps, shared)
  }

  /// The normalizers hand on the names they gave out and their argument and base proofs: fewer
  /// steps, and fewer bound indices renamed apart (each normalizer renamed apart the names the
  /// ones before had given out).
  @Test func aModelsNormalizersShareWhatTheyProved() throws {
    func renamings(_ steps: [Step]) -> Int {
      steps.filter { step in
        guard case let .rewrite(_, _, .changeOfVariables(_, _, sign, offset)) = step else { return false }
        return sign == 1 && offset == .constant(0)
      }.count
    }
    let sharing = try Self.stem { _ in }.steps, separate = try Self.stem { $0.sharesNormalization = false }.steps
    #expect(sharing.count < separate.count, "\(sharing.count) \(separate.count)")
    #expect(renamings(sharing) < renamings(separate), "\(renamings(sharing)) \(renamings(separate))")
  }

  /// A cotangent compared with a second candidate or route (`cotangentEquation`) is not
  /// normalized again: its normal form is the step proved at the first (`Shared.normalForms`).
  @Test func aCotangentIsNormalizedOncePerModel() throws {
    let reusing = try Self.stem { _ in }, again = try Self.stem { $0.reusesNormalForms = false }
    #expect(reusing.shared.normalFormsReused > 0 && again.shared.normalFormsReused == 0)
    #expect(reusing.steps.count < again.steps.count, "\(reusing.steps.count) \(again.steps.count)")
  }
}
