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
    var found: [Read] = [], resume = text.startIndex
    for name in names(in: text) where name.lowerBound >= resume {
      guard name.upperBound != bytes.endIndex, bytes[name.upperBound] == UInt8(ascii: "["),
        let close = bytes[bytes.index(after: name.upperBound)...].firstIndex(of: UInt8(ascii: "]"))
      else { continue }
      found.append(Read(name: text[name], contents: text[bytes.index(after: name.upperBound)..<close], whole: text[name.lowerBound...close]))
      resume = bytes.index(after: close)
    }
    return found
  }

  /// Each name followed by `[`, with the index after the `[`: where `([A-Za-z_][A-Za-z0-9_]*)\[`
  /// matches (inside a read's brackets too, unlike `reads`).
  static func openings(in text: String) -> [(name: Substring, after: String.Index)] {
    let bytes = text.utf8
    return names(in: text).compactMap { name in
      name.upperBound != bytes.endIndex && bytes[name.upperBound] == UInt8(ascii: "[") ? (text[name], bytes.index(after: name.upperBound)) : nil
    }
  }

  /// Whether `text` is one read and nothing else (`x[i, j]`): where the read pattern matches it whole.
  static func isOneRead(_ text: String) -> Bool {
    let found = reads(in: text)
    return found.count == 1 && found[0].whole.startIndex == text.startIndex && found[0].whole.endIndex == text.endIndex
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
    for name in names(in: text) where name.lowerBound >= last {
      var end = name.upperBound
      guard tail.allSatisfy({ b in
        guard end != bytes.endIndex, bytes[end] == b else { return false }
        end = bytes.index(after: end)
        return true
      }), end == bytes.endIndex || !isIdentifierByte(bytes[end]) else { continue }
      out += text[last..<name.lowerBound]
      out += transform(text[name])
      last = end
    }
    return last == text.startIndex ? text : out + text[last...]
  }

  /// The longest names of `text`, left to right: a name starts at the first letter or `_` after
  /// the last name found (digits before it are skipped: `2x` holds the name `x`, as the patterns
  /// read it) and takes every name character after it. A pattern's match that starts with a name
  /// starts at one of these: a match starting inside a name ends where the name does, and a
  /// shorter name is followed by a name character. A scan resumed after a match resumes past a
  /// character that is no name character, so it finds the names found here from that point.
  private static func names(in text: String) -> [Range<String.Index>] {
    let bytes = text.utf8
    var found: [Range<String.Index>] = []
    var i = bytes.startIndex
    while i != bytes.endIndex {
      guard isIdentifierStart(bytes[i]) else {
        i = bytes.index(after: i)
        continue
      }
      let start = i
      while i != bytes.endIndex, isIdentifierByte(bytes[i]) { i = bytes.index(after: i) }
      found.append(start..<i)
    }
    return found
  }

  private static func isIdentifierStart(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || b == UInt8(ascii: "_")
  }

  private static func isIdentifierByte(_ b: UInt8) -> Bool {
    isIdentifierStart(b) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
  }
}
