// The zip container of a `.npz` (APPNOTE.TXT, PKWARE): the end-of-central-directory record (and its
// zip64 form, which NumPy's `savez` writes through Python's `zipfile` with `force_zip64`), the
// central directory, then each member's local header and data, stored (method 0) or deflated
// (method 8, inflated by zlib), checked against its CRC-32 (zlib's).
//
// A reader of our own rather than ZIPFoundation: on Linux ZIPFoundation brings a Clang module named
// `CZlib`, which collides with the package's own `CZlib` system library in any build that sees
// both (the test runner does), so the package cannot depend on it (Docs/Audits.md). The container
// is simple; the decompression and checksum are zlib's.

/// The members of a zip archive, in central-directory order.
struct ZipArchive {
  struct Member {
    var name: String
    var data: [UInt8]
  }

  var members: [Member]

  /// Reads every file member of `bytes`; `path` names the archive in errors.
  init(bytes: [UInt8], path: String) throws(AuditError) {
    let reader = ByteReader(bytes: bytes, path: path)
    let directory = try reader.centralDirectory()
    var members: [Member] = []
    var offset = directory.offset
    for _ in 0..<directory.count {
      let entry = try reader.centralEntry(at: &offset)
      if entry.name.hasSuffix("/") { continue }  // a directory
      members.append(Member(name: entry.name, data: try reader.contents(of: entry)))
    }
    self.members = members
  }

  /// A zip archive of `members`, stored without compression (as `numpy.savez` writes it, without
  /// zip64: members and archive below 4 GiB).
  static func storedArchive(_ members: [Member]) -> [UInt8] {
    var out: [UInt8] = []
    var central: [UInt8] = []
    for member in members {
      let name = Array(member.name.utf8)
      let crc = Zlib.crc32(member.data)
      let offset = out.count
      out.appendLittleEndian(UInt32(0x0403_4b50))
      out.appendLittleEndian(UInt16(20))  // version needed: 2.0
      out.appendLittleEndian(UInt16(0))  // flags
      out.appendLittleEndian(UInt16(0))  // stored
      out.appendLittleEndian(UInt16(0))  // time
      out.appendLittleEndian(UInt16(0x21))  // date: 1980-01-01
      out.appendLittleEndian(crc)
      out.appendLittleEndian(UInt32(member.data.count))
      out.appendLittleEndian(UInt32(member.data.count))
      out.appendLittleEndian(UInt16(name.count))
      out.appendLittleEndian(UInt16(0))
      out += name
      out += member.data

      central.appendLittleEndian(UInt32(0x0201_4b50))
      central.appendLittleEndian(UInt16(20))  // made by 2.0
      central.appendLittleEndian(UInt16(20))
      central.appendLittleEndian(UInt16(0))
      central.appendLittleEndian(UInt16(0))
      central.appendLittleEndian(UInt16(0))
      central.appendLittleEndian(UInt16(0x21))
      central.appendLittleEndian(crc)
      central.appendLittleEndian(UInt32(member.data.count))
      central.appendLittleEndian(UInt32(member.data.count))
      central.appendLittleEndian(UInt16(name.count))
      central.appendLittleEndian(UInt16(0))  // extra
      central.appendLittleEndian(UInt16(0))  // comment
      central.appendLittleEndian(UInt16(0))  // disk
      central.appendLittleEndian(UInt16(0))  // internal attributes
      central.appendLittleEndian(UInt32(0))  // external attributes
      central.appendLittleEndian(UInt32(offset))
      central += name
    }
    let directoryOffset = out.count
    out += central
    out.appendLittleEndian(UInt32(0x0605_4b50))
    out.appendLittleEndian(UInt16(0))
    out.appendLittleEndian(UInt16(0))
    out.appendLittleEndian(UInt16(members.count))
    out.appendLittleEndian(UInt16(members.count))
    out.appendLittleEndian(UInt32(central.count))
    out.appendLittleEndian(UInt32(directoryOffset))
    out.appendLittleEndian(UInt16(0))
    return out
  }
}

extension [UInt8] {
  mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
    Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
  }
}

/// Little-endian reads with bounds checks that throw `AuditError.notAnArchive`.
private struct ByteReader {
  let bytes: [UInt8]
  let path: String

  struct CentralEntry {
    var name: String
    var flags: UInt16
    var method: UInt16
    var crc: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localOffset: Int
  }

  func fail(_ reason: String) -> AuditError { .notAnArchive(path: path, reason: reason) }

  func integer<T: FixedWidthInteger>(_: T.Type, at offset: Int) throws(AuditError) -> T {
    let size = MemoryLayout<T>.size
    // `offset` may be any value a record claims (up to Int.max): compare without adding to it.
    guard offset >= 0, offset <= bytes.count - size else {
      throw fail("a \(size)-byte record at byte \(offset) runs past the end of the data (\(bytes.count) bytes)")
    }
    var value: T = 0
    for k in (0..<size).reversed() { value = value << 8 | T(bytes[offset + k]) }
    return value
  }

  /// The central directory's offset and entry count, from the end record (zip64 where needed).
  func centralDirectory() throws(AuditError) -> (offset: Int, count: Int) {
    // The end record is 22 bytes plus a comment of at most 65,535.
    var end = -1
    var candidate = bytes.count - 22
    while candidate >= 0 && candidate >= bytes.count - 22 - 65_535 {
      if try integer(UInt32.self, at: candidate) == 0x0605_4b50 {
        end = candidate
        break
      }
      candidate -= 1
    }
    guard end >= 0 else { throw fail("no end-of-central-directory record") }
    var count = Int(try integer(UInt16.self, at: end + 10))
    var offset = Int(try integer(UInt32.self, at: end + 16))
    if count == 0xFFFF || offset == 0xFFFF_FFFF {
      // The zip64 locator sits just before the end record and points at the zip64 end record.
      let locator = end - 20
      guard locator >= 0, try integer(UInt32.self, at: locator) == 0x0706_4b50 else {
        throw fail("a zip64 archive without its zip64 end locator")
      }
      let record = Int(clamping: try integer(UInt64.self, at: locator + 8))
      guard try integer(UInt32.self, at: record) == 0x0606_4b50 else {
        throw fail("the zip64 end record is not where its locator says")
      }
      count = Int(clamping: try integer(UInt64.self, at: record + 32))
      offset = Int(clamping: try integer(UInt64.self, at: record + 48))
    }
    guard offset <= bytes.count else { throw fail("the central directory lies past the end of the data") }
    return (offset, count)
  }

  /// The central-directory entry at `offset`, which moves past it.
  func centralEntry(at offset: inout Int) throws(AuditError) -> CentralEntry {
    guard try integer(UInt32.self, at: offset) == 0x0201_4b50 else {
      throw fail("a central-directory entry is missing at byte \(offset)")
    }
    let flags = try integer(UInt16.self, at: offset + 8)
    let method = try integer(UInt16.self, at: offset + 10)
    let crc = try integer(UInt32.self, at: offset + 16)
    var compressed = Int(try integer(UInt32.self, at: offset + 20))
    var uncompressed = Int(try integer(UInt32.self, at: offset + 24))
    let nameLength = Int(try integer(UInt16.self, at: offset + 28))
    let extraLength = Int(try integer(UInt16.self, at: offset + 30))
    let commentLength = Int(try integer(UInt16.self, at: offset + 32))
    var local = Int(try integer(UInt32.self, at: offset + 42))
    let nameStart = offset + 46
    guard nameStart + nameLength + extraLength <= bytes.count else { throw fail("a member name runs past the end") }
    let name = String(decoding: bytes[nameStart..<(nameStart + nameLength)], as: UTF8.self)
    // Zip64 extended information (tag 1): the 64-bit values of the fields set to all ones, in order.
    var extra = nameStart + nameLength
    let extraEnd = extra + extraLength
    while extra + 4 <= extraEnd {
      let tag = try integer(UInt16.self, at: extra), size = Int(try integer(UInt16.self, at: extra + 2))
      if tag == 1 {
        var field = extra + 4
        if uncompressed == 0xFFFF_FFFF { uncompressed = Int(clamping: try integer(UInt64.self, at: field)); field += 8 }
        if compressed == 0xFFFF_FFFF { compressed = Int(clamping: try integer(UInt64.self, at: field)); field += 8 }
        if local == 0xFFFF_FFFF { local = Int(clamping: try integer(UInt64.self, at: field)) }
      }
      extra += 4 + size
    }
    offset = extraEnd + commentLength
    return CentralEntry(
      name: name, flags: flags, method: method, crc: crc, compressedSize: compressed,
      uncompressedSize: uncompressed, localOffset: local)
  }

  /// The member's uncompressed bytes, checked against its size and CRC-32.
  func contents(of entry: CentralEntry) throws(AuditError) -> [UInt8] {
    let offset = entry.localOffset
    guard try integer(UInt32.self, at: offset) == 0x0403_4b50 else {
      throw AuditError.corruptEntry(name: entry.name, reason: "no local header at byte \(offset)")
    }
    guard entry.flags & 1 == 0 else {
      throw AuditError.corruptEntry(name: entry.name, reason: "encrypted members are not supported")
    }
    let start = offset + 30 + Int(try integer(UInt16.self, at: offset + 26)) + Int(try integer(UInt16.self, at: offset + 28))
    guard start <= bytes.count, entry.compressedSize <= bytes.count - start else {
      throw AuditError.corruptEntry(
        name: entry.name, reason: "truncated: \(entry.compressedSize) bytes of data announced, \(max(0, bytes.count - start)) present")
    }
    let raw = bytes[start..<(start + entry.compressedSize)]
    let data: [UInt8]
    switch entry.method {
    case 0:
      data = Array(raw)
    case 8:
      data = try Zlib.inflate(raw, expectedSize: entry.uncompressedSize, member: entry.name)
    default:
      throw AuditError.corruptEntry(name: entry.name, reason: "compression method \(entry.method) is not supported (stored and deflate are)")
    }
    guard data.count == entry.uncompressedSize else {
      throw AuditError.corruptEntry(name: entry.name, reason: "\(data.count) bytes, the directory says \(entry.uncompressedSize)")
    }
    guard Zlib.crc32(data) == entry.crc else {
      throw AuditError.corruptEntry(name: entry.name, reason: "CRC-32 mismatch")
    }
    return data
  }
}
