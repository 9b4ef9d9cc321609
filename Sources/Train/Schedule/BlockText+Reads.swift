extension BlockText {
  /// A read `name[contents]` in a formula text: an identifier, `[`, and everything up to the next
  /// `]` (so `a[b[c]]` reads `a[b[c]`, as the pattern `([A-Za-z_][A-Za-z0-9_]*)\[([^\]]*)\]` does).
  struct Read {
    let name: Substring
    let contents: Substring
    let whole: Substring
  }

  /// The reads of `text`, left to right, not overlapping: where the pattern above matches, found by
  /// one scan of the bytes. Writing a model statement matched that pattern over the network's
  /// definitions again and again, and compiling and running it was most of the time of writing the
  /// statement (a fifth of checking a ResNet's model certificate).
  ///
  /// Formula texts are ASCII (the theorem language's lexer refuses any other character): on other
  /// text the scanners may differ from the patterns (a letter with a combining mark, a non-ASCII
  /// letter after a name), and the statement fails to parse either way.
  static func reads(in text: String) -> [Read] {
    let bytes = text.utf8
    var found: [Read] = []
    var i = bytes.startIndex
    while i != bytes.endIndex {
      guard isIdentifierStart(bytes[i]) else {
        i = bytes.index(after: i)
        continue
      }
      // The longest name from here: a shorter one is followed by a name character, not `[`, and a
      // match starting inside the name ends where this one does.
      let start = i
      while i != bytes.endIndex, isIdentifierByte(bytes[i]) { i = bytes.index(after: i) }
      guard i != bytes.endIndex, bytes[i] == UInt8(ascii: "["),
        let close = bytes[bytes.index(after: i)...].firstIndex(of: UInt8(ascii: "]"))
      else { continue }
      found.append(Read(name: text[start..<i], contents: text[bytes.index(after: i)..<close], whole: text[start...close]))
      i = bytes.index(after: close)
    }
    return found
  }

  /// Each name followed by `[`, with the index after the `[`: where `([A-Za-z_][A-Za-z0-9_]*)\[`
  /// matches (inside a read's brackets too, unlike `reads`).
  static func openings(in text: String) -> [(name: Substring, after: String.Index)] {
    let bytes = text.utf8
    var found: [(name: Substring, after: String.Index)] = []
    var i = bytes.startIndex
    while i != bytes.endIndex {
      guard isIdentifierStart(bytes[i]) else {
        i = bytes.index(after: i)
        continue
      }
      let start = i
      while i != bytes.endIndex, isIdentifierByte(bytes[i]) { i = bytes.index(after: i) }
      guard i != bytes.endIndex, bytes[i] == UInt8(ascii: "[") else { continue }
      i = bytes.index(after: i)
      found.append((text[start..<bytes.index(before: i)], i))
    }
    return found
  }

  /// `text` with each read replaced by `transform`'s text for it (not read again).
  static func replacingReads(in text: String, _ transform: (Read) throws -> String) rethrows -> String {
    var out = "", last = text.startIndex
    for read in reads(in: text) {
      out += text[last..<read.whole.startIndex]
      out += try transform(read)
      last = read.whole.endIndex
    }
    return last == text.startIndex ? text : out + text[last...]
  }

  /// `text` with each binder `name: dimension` (the dimension a whole name) replaced by
  /// `transform(name)`: what the pattern `([A-Za-z_][A-Za-z0-9_]*): dimension\b` matches.
  static func replacingBinders(in text: String, over dimension: String, _ transform: (Substring) -> String) -> String {
    let bytes = text.utf8, tail = Array((": " + dimension).utf8)
    var out = "", last = text.startIndex
    var i = bytes.startIndex
    while i != bytes.endIndex {
      guard isIdentifierStart(bytes[i]) else {
        i = bytes.index(after: i)
        continue
      }
      let start = i
      while i != bytes.endIndex, isIdentifierByte(bytes[i]) { i = bytes.index(after: i) }
      var end = i
      guard tail.allSatisfy({ b in
        guard end != bytes.endIndex, bytes[end] == b else { return false }
        end = bytes.index(after: end)
        return true
      }), end == bytes.endIndex || !isIdentifierByte(bytes[end]) else { continue }
      out += text[last..<start]
      out += transform(text[start..<i])
      (last, i) = (end, end)
    }
    return last == text.startIndex ? text : out + text[last...]
  }

  private static func isIdentifierStart(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || b == UInt8(ascii: "_")
  }

  private static func isIdentifierByte(_ b: UInt8) -> Bool {
    isIdentifierStart(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
  }
}
