// A small strict JSON reader. Certificates use objects, arrays, strings and integers only; the
// reader keeps every object's keys in file order, refuses duplicate keys, and reports errors at
// character offsets.

/// A parsed JSON value; numbers keep their text (certificates use integers only).
indirect enum JSONValue {
  case object([(key: String, value: JSONValue)])
  case array([JSONValue])
  case string(String)
  case number(String)
  case bool(Bool)
  case null

  var kind: String {
    switch self {
    case .object: return "an object"
    case .array: return "an array"
    case .string: return "a string"
    case .number: return "a number"
    case .bool: return "a boolean"
    case .null: return "null"
    }
  }
}

struct JSONParser {
  static let maximumDepth = 64

  let bytes: [UInt8]
  var position = 0
  var depth = 0

  init(_ text: String) { bytes = Array(text.utf8) }

  /// The whole text as one value.
  static func parse(_ text: String) throws(CertificateError) -> JSONValue {
    var p = JSONParser(text)
    p.skipSpace()
    let value = try p.value()
    p.skipSpace()
    guard p.position == p.bytes.count else { throw p.fail("unexpected text after the JSON value") }
    return value
  }

  func fail(_ reason: String, at offset: Int? = nil) -> CertificateError {
    let at = min(offset ?? position, bytes.count)
    return .syntax(offset: String(decoding: bytes[..<at], as: UTF8.self).count, reason: reason)
  }

  func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

  mutating func skipSpace() {
    while let b = peek(), b == 0x20 || b == 0x0a || b == 0x0d || b == 0x09 { position += 1 }
  }

  mutating func expect(_ b: UInt8, _ what: String) throws(CertificateError) {
    guard peek() == b else { throw fail("expected \(what)") }
    position += 1
  }

  mutating func literal(_ word: String) throws(CertificateError) {
    let w = Array(word.utf8)
    guard bytes.count - position >= w.count, bytes[position..<position + w.count].elementsEqual(w) else {
      throw fail("expected a JSON value")
    }
    position += w.count
  }

  mutating func value() throws(CertificateError) -> JSONValue {
    guard let b = peek() else { throw fail("expected a JSON value, found the end of the file") }
    switch b {
    case 0x7b: return try object()
    case 0x5b: return try array()
    case 0x22: return .string(try string())
    case 0x74: try literal("true"); return .bool(true)
    case 0x66: try literal("false"); return .bool(false)
    case 0x6e: try literal("null"); return .null
    case 0x2d, 0x30...0x39: return .number(try number())
    default: throw fail("expected a JSON value")
    }
  }

  mutating func nest() throws(CertificateError) {
    depth += 1
    guard depth <= JSONParser.maximumDepth else { throw fail("nested more than \(JSONParser.maximumDepth) levels deep") }
  }

  mutating func object() throws(CertificateError) -> JSONValue {
    try nest()
    defer { depth -= 1 }
    position += 1
    var members: [(key: String, value: JSONValue)] = []
    var seen = Set<String>()
    skipSpace()
    if peek() == 0x7d { position += 1; return .object(members) }
    while true {
      skipSpace()
      let keyStart = position
      guard peek() == 0x22 else { throw fail("expected a key in quotes") }
      let key = try string()
      guard seen.insert(key).inserted else { throw fail("the key \"\(key)\" appears twice", at: keyStart) }
      skipSpace()
      try expect(0x3a, "':'")
      skipSpace()
      members.append((key, try value()))
      skipSpace()
      if peek() == 0x2c { position += 1; continue }
      try expect(0x7d, "',' or '}'")
      return .object(members)
    }
  }

  mutating func array() throws(CertificateError) -> JSONValue {
    try nest()
    defer { depth -= 1 }
    position += 1
    var items: [JSONValue] = []
    skipSpace()
    if peek() == 0x5d { position += 1; return .array(items) }
    while true {
      skipSpace()
      items.append(try value())
      skipSpace()
      if peek() == 0x2c { position += 1; continue }
      try expect(0x5d, "',' or ']'")
      return .array(items)
    }
  }

  /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, kept as text.
  mutating func number() throws(CertificateError) -> String {
    let start = position
    func digits(_ p: inout JSONParser) -> Int {
      let s = p.position
      while let b = p.peek(), b >= 0x30, b <= 0x39 { p.position += 1 }
      return p.position - s
    }
    if peek() == 0x2d { position += 1 }
    if peek() == 0x30 { position += 1 } else if digits(&self) == 0 { throw fail("expected digits", at: position) }
    if peek() == 0x2e { position += 1; guard digits(&self) > 0 else { throw fail("expected digits after '.'") } }
    if peek() == 0x65 || peek() == 0x45 {
      position += 1
      if peek() == 0x2b || peek() == 0x2d { position += 1 }
      guard digits(&self) > 0 else { throw fail("expected the digits of an exponent") }
    }
    return String(decoding: bytes[start..<position], as: UTF8.self)
  }

  mutating func string() throws(CertificateError) -> String {
    let start = position
    // Most strings (every term) have no escape: taken whole, as the loop below would build them.
    var end = position + 1
    while end < bytes.count, bytes[end] != 0x22, bytes[end] != 0x5c, bytes[end] >= 0x20 { end += 1 }
    if end < bytes.count, bytes[end] == 0x22 {
      guard let s = String(validating: bytes[(start + 1)..<end], as: UTF8.self) else { throw fail("a string is not valid UTF-8", at: start) }
      position = end + 1
      return s
    }
    position += 1
    var out: [UInt8] = []
    while true {
      guard let b = peek() else { throw fail("unterminated string", at: start) }
      position += 1
      switch b {
      case 0x22:
        guard let s = String(validating: out, as: UTF8.self) else { throw fail("a string is not valid UTF-8", at: start) }
        return s
      case 0x5c:
        guard let e = peek() else { throw fail("unterminated string", at: start) }
        position += 1
        switch e {
        case 0x22, 0x5c, 0x2f: out.append(e)
        case 0x62: out.append(0x08)
        case 0x66: out.append(0x0c)
        case 0x6e: out.append(0x0a)
        case 0x72: out.append(0x0d)
        case 0x74: out.append(0x09)
        case 0x75:
          var scalar = try hex4()
          if (0xd800..<0xdc00).contains(scalar) {  // a surrogate pair
            guard peek() == 0x5c, position + 1 < bytes.count, bytes[position + 1] == 0x75 else { throw fail("a lone surrogate") }
            position += 2
            let low = try hex4()
            guard (0xdc00..<0xe000).contains(low) else { throw fail("a lone surrogate") }
            scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
          }
          guard let u = Unicode.Scalar(scalar) else { throw fail("a lone surrogate") }
          out.append(contentsOf: Array(String(Character(u)).utf8))
        default: throw fail("unknown escape '\\\(Character(Unicode.Scalar(e)))'", at: position - 2)
        }
      case 0x00..<0x20: throw fail("a control character inside a string", at: position - 1)
      default: out.append(b)
      }
    }
  }

  mutating func hex4() throws(CertificateError) -> UInt32 {
    var v: UInt32 = 0
    for _ in 0..<4 {
      guard let b = peek() else { throw fail("expected four hexadecimal digits") }
      let d: UInt32
      switch b {
      case 0x30...0x39: d = UInt32(b - 0x30)
      case 0x61...0x66: d = UInt32(b - 0x61 + 10)
      case 0x41...0x46: d = UInt32(b - 0x41 + 10)
      default: throw fail("expected four hexadecimal digits")
      }
      v = v * 16 + d
      position += 1
    }
    return v
  }
}
