/// An array of unsigned bytes in the IDX format of MNIST and Fashion-MNIST, read from a gzip file.
///
/// Layout (big-endian): two zero bytes, the type code `0x08` (unsigned byte), the number of
/// dimensions `d`, then `d` 32-bit sizes, then the bytes in row-major order. Images are `[N, 28, 28]`
/// (magic `0x00000803`), labels `[N]` (magic `0x00000801`).
public struct IDXFile: Sendable {
  /// The extent of each dimension.
  public let dimensions: [Int]
  /// The data, row-major.
  public let bytes: [UInt8]

  /// Reads an IDX file of unsigned bytes, gzip-compressed or not, expecting `rank` dimensions.
  ///
  /// - Throws: `TrainingError.fileNotFound`, `.unreadable`, or `.badDataFile` for a wrong magic
  ///   number, an unexpected rank, a size too large, a truncated file or trailing bytes.
  public init(contentsOf path: String, rank: Int) throws {
    let file = try GzipReader(path: path)
    let header = try file.read(exactly: 4, what: "the magic number")
    func bad(_ reason: String) -> TrainingError { .badDataFile(path: path, reason: reason) }
    let magic = header.reduce(0) { $0 << 8 | UInt32($1) }
    let hex = "0x" + String(magic, radix: 16, uppercase: true).leftPadded(to: 8)
    let expected = 0x0800 | UInt32(rank)
    guard header[0] == 0, header[1] == 0 else {
      throw bad("magic number \(hex) does not start with two zero bytes; expected 0x0000080\(rank)")
    }
    guard header[2] == 0x08 else {
      throw bad("element type 0x\(String(header[2], radix: 16)) is not unsigned byte (0x08)")
    }
    guard magic == expected else {
      throw bad("magic number \(hex) is for \(header[3]) dimensions; expected \(rank) (0x0000080\(rank))")
    }
    let sizes = try file.read(exactly: 4 * rank, what: "the \(rank) dimension sizes")
    var dimensions: [Int] = []
    for d in 0..<rank {
      dimensions.append(sizes[4 * d..<4 * d + 4].reduce(0) { $0 << 8 | Int($1) })
    }
    let total = dimensions.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
    guard total <= 1 << 34 else { throw bad("dimensions \(dimensions) are implausibly large") }
    bytes = try file.read(exactly: total, what: "data of shape \(dimensions)")
    guard try file.isAtEnd() else {
      throw bad("trailing bytes after the \(total) bytes of shape \(dimensions)")
    }
    self.dimensions = dimensions
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    String(repeating: "0", count: max(0, width - count)) + self
  }
}
