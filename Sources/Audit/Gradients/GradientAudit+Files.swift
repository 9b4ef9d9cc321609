import Certificates
import Foundation
import Train

extension GradientAudit {
  /// The audit of the model in a checkpoint or `.npz` at `modelPath` on test examples
  /// `offset ..< offset + batch` of the Fashion-MNIST files in `dataDirectory`, its rules replayed
  /// from the certificates in `certificatesDirectory`: what `certify audit gradients` does, for
  /// callers that do not link `Train` and `Certificates` themselves (the benchmarks).
  /// - Throws: `GradientAuditError` naming what could not be read or audited.
  public func run(
    modelAt modelPath: String, certificatesAt certificatesDirectory: String, dataAt dataDirectory: String,
    batch: Int, offset: Int = 0
  ) throws(GradientAuditError) -> GradientReport {
    let store = CertificateStore(directory: URL(fileURLWithPath: certificatesDirectory))
    let loaded = try GradientAuditModel(contentsOf: modelPath, certificates: store)
    return try run(loaded.model, on: try GradientBatch(fashionMNISTIn: dataDirectory, offset: offset, size: batch), certificates: store)
  }
}
