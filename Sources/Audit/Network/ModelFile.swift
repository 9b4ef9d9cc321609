import Foundation
package import ONNX
package import Train

/// A model file as the audits take it: a trainer checkpoint, a NumPy `.npz` or an ONNX model,
/// told apart by their first bytes (a checkpoint starts `CRTFYCKP`, an `.npz` is a zip archive,
/// `PK`, an ONNX model a protobuf; `ONNXImport.looksLikeONNX`). An ONNX model is read as a
/// checkpoint of the same layers and weights (`ONNXImport`), bound to the built-in certificates,
/// with its input normalisation (`Sub`/`Div` of constants before the first layer) if it has one.
package enum ModelFile {
  case checkpoint(Checkpoint, normalization: InputNormalization? = nil)
  case numpy(NumPyArchive)

  /// Reads and decodes the file at `path`.
  /// - Throws: `AuditError.unreadableFile`, `.invalidArgument` for a file of neither kind or a
  ///   checkpoint that does not decode, and the `.npz` reader's errors.
  package init(contentsOf path: String) throws(AuditError) {
    let bytes: [UInt8]
    do {
      bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
      throw AuditError.unreadableFile(path: path, reason: (error as NSError).localizedDescription)
    }
    if bytes.starts(with: Array("PK".utf8)) {
      self = .numpy(try NumPyArchive(data: Data(bytes), path: path))
      return
    }
    if !bytes.starts(with: Array("CRTFYCKP".utf8)) && ONNXImport.looksLikeONNX(bytes, path: path) {
      do {
        let imported = try ONNXImport(data: Data(bytes), path: path, certificates: .builtIn)
        self = .checkpoint(imported.checkpoint, normalization: imported.inputNormalization)
      } catch {
        throw AuditError.invalidArgument("\(error)")
      }
      return
    }
    guard bytes.starts(with: Array("CRTFYCKP".utf8)) else {
      throw AuditError.invalidArgument("\(path): neither a Certify checkpoint, a NumPy .npz archive nor an ONNX model")
    }
    do {
      self = .checkpoint(try Checkpoint(decoding: bytes, path: path))
    } catch {
      throw AuditError.invalidArgument("\(error)")
    }
  }
}
