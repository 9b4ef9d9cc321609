internal import ProofKernel

// A certificate's steps repeat most of their text: the ring targets of a model certificate spell
// out the same sums, guards and tensor reads over and over (in the ResNet's, nine bytes in ten are
// a parenthesized group read before). The memo lets one certificate's readers build each distinct
// group once. It changes nothing the reader accepts or builds: reading is a function of the
// group's bytes and of the definitions names resolve in, and the memo is used only while those are
// the certificate's own table (see `SExpressionParser.term()`).

/// The terms already read in the text of one certificate, by the bytes that spell them.
final class TermMemo {
  /// The bytes `start..<end` of a text, compared by content.
  struct Span: Hashable {
    let bytes: [UInt8]
    let start: Int
    let end: Int

    /// The bytes folded eight at a time into one word, which the dictionary's seeded hasher
    /// then takes: hashing every byte through `Hasher` cost more than reading the groups. Equal
    /// words of different bytes only cost a comparison (`==` compares the bytes).
    func hash(into hasher: inout Hasher) {
      hasher.combine(bytes.withUnsafeBytes { raw in
        var h = UInt64(truncatingIfNeeded: end - start) &* 0x9e37_79b9_7f4a_7c15
        var k = start
        while k + 8 <= end {
          h = (h ^ raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)) &* 0xbf58_476d_1ce4_e5b9
          h ^= h >> 31
          k += 8
        }
        var tail: UInt64 = 0
        while k < end { tail = tail << 8 | UInt64(raw[k]); k += 1 }
        return (h ^ tail) &* 0x94d0_49bb_1331_11eb
      })
    }

    static func == (a: Span, b: Span) -> Bool {
      guard a.end - a.start == b.end - b.start else { return false }
      return a.bytes.withUnsafeBytes { x in
        b.bytes.withUnsafeBytes { y in UnsafeRawBufferPointer(rebasing: x[a.start..<a.end]).elementsEqual(UnsafeRawBufferPointer(rebasing: y[b.start..<b.end])) }
      }
    }
  }

  /// A group read before: its term, and how many levels of nesting reading it took (the reader
  /// refuses texts nested deeper than `SExpressionParser.maximumDepth`, wherever they start).
  struct Entry {
    let term: Term
    let height: Int
  }

  /// The definitions references by name resolve in: those of the certificate.
  let definitions: [String: Definition]
  var groups: [Span: Entry] = [:]
  /// Guards read before (`(G ...)`, in sums and brackets).
  var guards: [Span: Guard] = [:]
  /// Whole field texts accepted before (read and found to be the kernel's printing).
  var accepted: [Span: Term] = [:]

  init(definitions: [String: Definition]) { self.definitions = definitions }

  /// For each `(` of `bytes`, the offset just past its matching `)`; -1 where there is none (and
  /// nothing for a text too long for 32-bit offsets: it is read without the memo). The texts hold
  /// no quotes, so counting parentheses matches them.
  static func groupEnds(_ bytes: [UInt8]) -> [Int32] {
    guard bytes.count < Int(Int32.max) else { return [] }
    var ends = [Int32](repeating: -1, count: bytes.count)
    var open: [Int] = []
    for (k, b) in bytes.enumerated() {
      if b == 0x28 { open.append(k) } else if b == 0x29, let k0 = open.popLast() { ends[k0] = Int32(k + 1) }
    }
    return ends
  }
}
