import Foundation
package import Train

/// A model file as the audits take it: a trainer checkpoint or a NumPy `.npz`, told apart by their
/// first bytes (a checkpoint starts `CRTFYCKP`, an `.npz` is a zip archive, `PK`), not by name.
package enum ModelFile {
  case checkpoint(Checkpoint)
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
    guard bytes.starts(with: Array("CRTFYCKP".utf8)) else {
      throw AuditError.invalidArgument("\(path): neither a Certify checkpoint nor a NumPy .npz archive")
    }
    do {
      self = .checkpoint(try Checkpoint(decoding: bytes, path: path))
    } catch {
      throw AuditError.invalidArgument("\(error)")
    }
  }
}
