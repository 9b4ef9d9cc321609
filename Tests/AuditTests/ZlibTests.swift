import Testing

@testable import Audit

// The zip reader's use of zlib, on a raw DEFLATE stream small enough to write down:
// Python's zlib.compressobj(9, DEFLATED, -15) of "abcabcabcabc" (a literal run and a back-reference).

private let abc4: [UInt8] = [75, 76, 74, 78, 132, 33, 0]

@Suite struct ZlibTests {
  @Test func inflatesARawStream() throws {
    #expect(try Zlib.inflate(abc4[...], expectedSize: 12, member: "m") == Array("abcabcabcabc".utf8))
  }

  @Test func refusesAStreamThatEndsEarly() {
    #expect(throws: AuditError.corruptEntry(name: "m", reason: "bad deflate data: the stream ends early")) {
      try Zlib.inflate(abc4[..<3], expectedSize: 12, member: "m")
    }
  }

  @Test func refusesMoreDataThanAnnounced() {
    #expect(throws: AuditError.corruptEntry(name: "m", reason: "bad deflate data: more data than the directory announces")) {
      try Zlib.inflate(abc4[...], expectedSize: 11, member: "m")
    }
  }

  @Test func aHugeAnnouncedSizeCostsNothingUpFront() throws {
    #expect(try Zlib.inflate(abc4[...], expectedSize: Int.max, member: "m").count == 12)
  }

  @Test func checksumsAsZipDoes() {
    #expect(Zlib.crc32(Array("abc".utf8)) == 0x3524_41C2)
    #expect(Zlib.crc32([]) == 0)
  }
}
