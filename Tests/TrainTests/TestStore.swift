import Certificates
import Foundation

/// The repository's certificate store, which models in tests are built over.
let testStore = CertificateStore(
  directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Certificates"))
