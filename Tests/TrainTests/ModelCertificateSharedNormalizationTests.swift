import Testing
@testable import Algebra
import ProofKernel
@testable import Train

/// What the normalizers of one model's proof share (`ChainProof.Shared.normalized`,
/// Docs/Engine.md "One derivation per model").
@Suite("Model certificates: normalization shared across a model's proof")
struct ModelCertificateSharedNormalizationTests {
  /// The miniature ResNet's stem weights, proved top-down with the normalizers sharing what they
  /// proved and the names they gave out, and each starting afresh: the same theorem, with fewer
  /// steps, and fewer bound indices renamed apart (a batch norm's `(var + eps)^(-1/2)` is in the
  /// identity and the cotangent of each level of its block; each normalizer proved its base's
  /// normal form again, and renamed apart again the bound names the ones before had given out).
  @Test func aModelsNormalizersShareWhatTheyProved() throws {
    let s = try ModelCertificateResidualBatchTests.schedule(ModelCertificateResidualBatchTests.convolutional)
    let statement = try #require(try ModelCertificateResidualBatchTests.statements(s)["model.conv2d1.w"])
    func proof(sharing: Bool) throws -> (steps: Int, renamings: Int) {
      let shared = ChainProof.Shared()
      shared.sharesNormalization = sharing
      let proved = try #require(try ChainProof.attemptTopDown(statement, sharing: shared))
      #expect(proved.theorem.lhs == statement.lhs && proved.theorem.rhs == statement.rhs)
      let steps = shared.builder.derivation.steps
      let renamings = steps.filter { step in
        guard case let .rewrite(_, _, .changeOfVariables(_, _, sign, offset)) = step else { return false }
        return sign == 1 && offset == .constant(0)
      }
      return (steps.count, renamings.count)
    }
    let shared = try proof(sharing: true), separate = try proof(sharing: false)
    #expect(shared.steps < separate.steps, "\(shared) \(separate)")
    #expect(shared.renamings < separate.renamings, "\(shared) \(separate)")
  }

  /// A cotangent compared with a second candidate or route (`cotangentEquation`) is not normalized
  /// again: its normal form is the step proved at the first (`Shared.normalForms`). The same
  /// theorem, with fewer steps than with each comparison normalizing both sides.
  @Test func aCotangentIsNormalizedOncePerModel() throws {
    let s = try ModelCertificateResidualBatchTests.schedule(ModelCertificateResidualBatchTests.convolutional)
    let statement = try #require(try ModelCertificateResidualBatchTests.statements(s)["model.conv2d1.w"])
    func proof(reusing: Bool) throws -> (steps: Int, reused: Int) {
      let shared = ChainProof.Shared()
      shared.reusesNormalForms = reusing
      let proved = try #require(try ChainProof.attemptTopDown(statement, sharing: shared))
      #expect(proved.theorem.lhs == statement.lhs && proved.theorem.rhs == statement.rhs)
      return (shared.builder.derivation.steps.count, shared.normalFormsReused)
    }
    let reusing = try proof(reusing: true), again = try proof(reusing: false)
    #expect(reusing.reused > 0 && again.reused == 0, "\(reusing) \(again)")
    #expect(reusing.steps < again.steps, "\(reusing) \(again)")
  }
}
