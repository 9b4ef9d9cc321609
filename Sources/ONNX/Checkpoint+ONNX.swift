import Foundation
public import Certificates
public import Train

extension Checkpoint {
  /// A checkpoint file, or an ONNX model read as one (`ONNXImport`), told apart by their first
  /// bytes: what `certify evaluate` and the audits take as a model.
  /// - Throws: `TrainingError` for a checkpoint that does not load, `ONNXError` for an ONNX model
  ///   that does not map to Certify's layers.
  /// - Throws: also `ONNXError.unsupportedModel` for an ONNX model that normalises its input
  ///   (`loadModel(checkpointOrONNX:certificates:)` reads it), so that no caller drops it unawares.
  public static func load(checkpointOrONNX path: String, certificates store: CertificateStore) throws -> Checkpoint {
    let (checkpoint, normalization) = try loadModel(checkpointOrONNX: path, certificates: store)
    guard normalization == nil else {
      throw ONNXError.unsupportedModel(path: path, reason: "it normalises its input (Sub/Div before its first layer), which this command does not read")
    }
    return checkpoint
  }

  /// A checkpoint file, or an ONNX model read as one with its input normalisation (`Sub`/`Div` of
  /// constants before its first layer; nil for a checkpoint or a model without).
  public static func loadModel(checkpointOrONNX path: String, certificates store: CertificateStore) throws
    -> (checkpoint: Checkpoint, inputNormalization: InputNormalization?)
  {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw TrainingError.unreadable(path: path, reason: (error as NSError).localizedDescription)
    }
    let bytes = [UInt8](data)
    if !bytes.starts(with: Array("CRTFYCKP".utf8)) && ONNXImport.looksLikeONNX(bytes, path: path) {
      let imported = try ONNXImport(data: data, path: path, certificates: store)
      return (imported.checkpoint, imported.inputNormalization)
    }
    return (try Checkpoint(decoding: bytes, path: path), nil)
  }
}
