import Foundation
public import Certificates
public import Train

extension Checkpoint {
  /// A checkpoint file, or an ONNX model read as one (`ONNXImport`), told apart by their first
  /// bytes: what `certify evaluate` and the audits take as a model.
  /// - Throws: `TrainingError` for a checkpoint that does not load, `ONNXError` for an ONNX model
  ///   that does not map to Certify's layers.
  public static func load(checkpointOrONNX path: String, certificates store: CertificateStore) throws -> Checkpoint {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw TrainingError.unreadable(path: path, reason: (error as NSError).localizedDescription)
    }
    let bytes = [UInt8](data)
    if !bytes.starts(with: Array("CRTFYCKP".utf8)) && ONNXImport.looksLikeONNX(bytes, path: path) {
      return try ONNXImport(data: data, path: path, certificates: store).checkpoint
    }
    return try Checkpoint(decoding: bytes, path: path)
  }
}
