internal import CZlib

/// What the zip reader and the PNG writer need from zlib: DEFLATE (RFC 1951) and CRC-32.
enum Zlib {
  /// The decompressed bytes of a raw DEFLATE stream: a zip member of method 8, which carries no
  /// zlib header or trailer (hence negative window bits). Bytes after the stream's last block are
  /// ignored, as zip readers do.
  ///
  /// Output grows as zlib produces it, never past `expectedSize + 1` bytes, so a directory that
  /// announces a huge size costs no memory until the data is there.
  ///
  /// - Throws: `AuditError.corruptEntry` naming `member`, with `bad deflate data: ` and zlib's
  ///   reason, `the stream ends early`, or `more data than the directory announces`.
  static func inflate(_ data: ArraySlice<UInt8>, expectedSize: Int, member: String) throws(AuditError) -> [UInt8] {
    func fail(_ reason: String) -> AuditError { .corruptEntry(name: member, reason: "bad deflate data: \(reason)") }
    let limit = expectedSize < Int.max ? expectedSize + 1 : expectedSize
    var output = [UInt8](repeating: 0, count: min(limit, 1 << 16))
    var produced = 0
    var stream = z_stream()
    guard certify_inflateInit2(&stream, -MAX_WBITS) == Z_OK else { throw fail("zlib could not start (out of memory)") }
    defer { inflateEnd(&stream) }
    return try data.withUnsafeBufferPointer { (inputBuffer) throws(AuditError) -> [UInt8] in
      stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)  // zlib only reads it
      stream.avail_in = UInt32(inputBuffer.count)  // a zip member's compressed size is below 4 GiB
      while true {
        if produced == output.count {
          guard output.count < limit else { throw fail("more data than the directory announces") }
          output += [UInt8](repeating: 0, count: min(limit - output.count, output.count))
        }
        let room = min(output.count - produced, Int(UInt32.max))
        let status = output.withUnsafeMutableBufferPointer { out in
          stream.next_out = out.baseAddress! + produced
          stream.avail_out = UInt32(room)
          return CZlib.inflate(&stream, Z_NO_FLUSH)
        }
        produced += room - Int(stream.avail_out)
        switch status {
        case Z_STREAM_END:
          guard produced <= expectedSize else { throw fail("more data than the directory announces") }
          output.removeLast(output.count - produced)
          return output
        case Z_OK:
          continue
        case Z_BUF_ERROR where stream.avail_in == 0:
          throw fail("the stream ends early")
        case Z_BUF_ERROR:
          continue  // no room for output: the next round grows it
        case Z_MEM_ERROR:
          throw fail("out of memory")
        default:
          throw fail(stream.msg.map { String(cString: $0) } ?? "zlib error \(status)")
        }
      }
    }
  }

  /// CRC-32 (ISO 3309, as zip and gzip use it), by zlib.
  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { buffer in
      UInt32(truncatingIfNeeded: CZlib.crc32_z(CZlib.crc32(0, nil, 0), buffer.baseAddress, buffer.count))
    }
  }

  /// `bytes` as a zlib stream (RFC 1950: header, DEFLATE, Adler-32), as PNG's image data needs.
  static func compressed(_ bytes: [UInt8]) -> [UInt8] {
    var length = compressBound(uLong(bytes.count))
    var output = [UInt8](repeating: 0, count: Int(length))
    let status = output.withUnsafeMutableBufferPointer { out in
      bytes.withUnsafeBufferPointer { compress(out.baseAddress, &length, $0.baseAddress, uLong(bytes.count)) }
    }
    precondition(status == Z_OK, "zlib compress failed with \(status) (out of memory)")
    return Array(output.prefix(Int(length)))
  }
}
