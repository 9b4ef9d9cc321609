import Foundation

/// The arrays of a `.npz` file, in the archive's order: a zip archive of `.npy` members, stored
/// or deflated, as `numpy.savez`, `numpy.savez_compressed` and JAX (through NumPy) write them
/// (zip64 records included).
///
/// ```swift
/// let archive = try NumPyArchive(contentsOf: URL(fileURLWithPath: "mlp.npz"))
/// archive.arrays.map(\.name)   // ["arr_0", "arr_1", "arr_2", "arr_3"]
/// ```
public struct NumPyArchive: Sendable {
  /// The arrays, named by their members without the `.npy` suffix, in archive order.
  public let arrays: [NumPyArray]

  /// The array called `name`, if any.
  public subscript(name: String) -> NumPyArray? { arrays.first { $0.name == name } }

  /// Reads a `.npz` file.
  /// - Throws: `AuditError.unreadableFile`, `.notAnArchive`, `.corruptEntry` (checksum or
  ///   compression errors), `.unexpectedArrayName` for a member not ending in `.npy`, and the
  ///   `.npy` errors of `NumPyArray(npy:name:)`.
  public init(contentsOf url: URL) throws(AuditError) {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw AuditError.unreadableFile(path: url.path, reason: error.localizedDescription)
    }
    try self.init(data: data, path: url.path)
  }

  /// Reads a `.npz` file's bytes; `path` names it in errors.
  public init(data: Data, path: String = "<data>") throws(AuditError) {
    let archive = try ZipArchive(bytes: [UInt8](data), path: path)
    var arrays: [NumPyArray] = []
    for member in archive.members {
      guard member.name.hasSuffix(".npy") else {
        throw AuditError.unexpectedArrayName(member.name, expected: "members named NAME.npy")
      }
      arrays.append(try NumPyArray(npy: member.data, name: String(member.name.dropLast(4))))
    }
    self.arrays = arrays
  }

  /// An archive of `arrays`, to be written with `zipData()`.
  public init(arrays: [NumPyArray]) {
    self.arrays = arrays
  }

  /// The archive as `.npz` bytes: one `NAME.npy` member per array, stored without compression,
  /// as `numpy.savez` writes it.
  public func zipData() -> Data {
    Data(ZipArchive.storedArchive(arrays.map { ZipArchive.Member(name: $0.name + ".npy", data: $0.npyData()) }))
  }
}
