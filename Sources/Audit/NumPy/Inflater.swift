/// DEFLATE decompression (RFC 1951) for zip members of method 8: stored, fixed-Huffman and
/// dynamic-Huffman blocks. Canonical Huffman codes are decoded bit by bit from per-length counts,
/// as in Mark Adler's `puff.c`, which favours plainness over speed: a `.npz` of weights is small.
struct Inflater {
  private let input: ArraySlice<UInt8>
  private var position: Int
  private var bitBuffer = 0
  private var bitCount = 0
  private var output: [UInt8] = []
  private let member: String
  /// The size the directory announces: output past it is refused as it is produced, so one long
  /// block cannot grow memory beyond what the file claims.
  private let limit: Int

  /// The decompressed bytes of a raw DEFLATE stream.
  /// - Throws: `AuditError.corruptEntry` for a malformed or truncated stream.
  static func inflate(_ data: ArraySlice<UInt8>, expectedSize: Int, member: String) throws(AuditError) -> [UInt8] {
    var inflater = Inflater(input: data, position: data.startIndex, member: member, limit: expectedSize)
    // The announced size is the file's claim: reserve no more than DEFLATE can expand `data` to
    // (1,032 to 1 at most), so a false size cannot make us allocate.
    inflater.output.reserveCapacity(min(expectedSize, 1032 * data.count))
    var last = false
    while !last {
      last = try inflater.bits(1) == 1
      switch try inflater.bits(2) {
      case 0: try inflater.storedBlock()
      case 1: try inflater.huffmanBlock(Inflater.fixedLengths, Inflater.fixedDistances)
      case 2:
        let (lengths, distances) = try inflater.dynamicTables()
        try inflater.huffmanBlock(lengths, distances)
      default: throw inflater.fail("a block of reserved type 3")
      }
    }
    return inflater.output
  }

  private init(input: ArraySlice<UInt8>, position: Int, member: String, limit: Int) {
    self.input = input
    self.position = position
    self.member = member
    self.limit = limit
  }

  /// Refuses output growing by `count` past the announced size.
  private func reserve(_ count: Int) throws(AuditError) {
    guard count <= limit - output.count else { throw fail("more data than the directory announces") }
  }

  private func fail(_ reason: String) -> AuditError { .corruptEntry(name: member, reason: "bad deflate data: \(reason)") }

  private mutating func bits(_ count: Int) throws(AuditError) -> Int {
    while bitCount < count {
      guard position < input.endIndex else { throw fail("the stream ends early") }
      bitBuffer |= Int(input[position]) << bitCount
      position += 1
      bitCount += 8
    }
    let value = bitBuffer & ((1 << count) - 1)
    bitBuffer >>= count
    bitCount -= count
    return value
  }

  private mutating func storedBlock() throws(AuditError) {
    bitBuffer = 0
    bitCount = 0  // to the byte boundary
    guard position + 4 <= input.endIndex else { throw fail("a stored block ends early") }
    let length = Int(input[position]) | Int(input[position + 1]) << 8
    let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
    guard length == ~complement & 0xFFFF else { throw fail("a stored block's length check fails") }
    position += 4
    guard position + length <= input.endIndex else { throw fail("a stored block ends early") }
    try reserve(length)
    output += input[position..<(position + length)]
    position += length
  }

  // MARK: Huffman codes

  /// A canonical code: how many codes of each length, and the symbols ordered by code.
  struct Code {
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int] = []

    /// The code of the given code lengths (0: symbol unused); nil when over-subscribed.
    init?(lengths: [Int]) {
      for length in lengths { counts[length] += 1 }
      counts[0] = 0
      var left = 1
      for length in 1..<16 {
        left = left * 2 - counts[length]
        if left < 0 { return nil }
      }
      var offsets = [Int](repeating: 0, count: 16)
      for length in 1..<15 { offsets[length + 1] = offsets[length] + counts[length] }
      symbols = [Int](repeating: 0, count: lengths.count)
      for (symbol, length) in lengths.enumerated() where length != 0 {
        symbols[offsets[length]] = symbol
        offsets[length] += 1
      }
    }
  }

  private mutating func decode(_ code: Code) throws(AuditError) -> Int {
    var value = 0, first = 0, index = 0
    for length in 1..<16 {
      value |= try bits(1)
      let count = code.counts[length]
      if value - first < count { return code.symbols[index + value - first] }
      index += count
      first = (first + count) << 1
      value <<= 1
    }
    throw fail("an invalid Huffman code")
  }

  private static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
  private static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
  private static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
  private static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

  private static let fixedLengths = Code(
    lengths: [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112) + [Int](repeating: 7, count: 24)
      + [Int](repeating: 8, count: 8))!
  private static let fixedDistances = Code(lengths: [Int](repeating: 5, count: 30))!

  private mutating func huffmanBlock(_ lengths: Code, _ distances: Code) throws(AuditError) {
    while true {
      let symbol = try decode(lengths)
      if symbol < 256 {
        try reserve(1)
        output.append(UInt8(symbol))
      } else if symbol == 256 {
        return
      } else {
        let s = symbol - 257
        guard s < 29 else { throw fail("length symbol \(symbol)") }
        let length = Inflater.lengthBase[s] + (try bits(Inflater.lengthExtra[s]))
        let d = try decode(distances)
        guard d < 30 else { throw fail("distance symbol \(d)") }
        let distance = Inflater.distanceBase[d] + (try bits(Inflater.distanceExtra[d]))
        guard distance <= output.count else { throw fail("a distance reaching before the start") }
        try reserve(length)
        let from = output.count - distance
        for k in 0..<length { output.append(output[from + k]) }  // copies may overlap
      }
    }
  }

  private mutating func dynamicTables() throws(AuditError) -> (Code, Code) {
    let literalCount = try bits(5) + 257, distanceCount = try bits(5) + 1, codeLengthCount = try bits(4) + 4
    guard literalCount <= 286, distanceCount <= 30 else { throw fail("too many codes") }
    let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    var codeLengths = [Int](repeating: 0, count: 19)
    for k in 0..<codeLengthCount { codeLengths[order[k]] = try bits(3) }
    guard let lengthCode = Code(lengths: codeLengths) else { throw fail("an over-subscribed code-length code") }
    var lengths: [Int] = []
    while lengths.count < literalCount + distanceCount {
      let symbol = try decode(lengthCode)
      switch symbol {
      case 0..<16:
        lengths.append(symbol)
      case 16:
        guard let previous = lengths.last else { throw fail("a repeat with nothing before it") }
        lengths += [Int](repeating: previous, count: 3 + (try bits(2)))
      case 17:
        lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
      default:
        lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
      }
    }
    guard lengths.count == literalCount + distanceCount else { throw fail("code lengths overrun") }
    guard lengths[256] != 0 else { throw fail("no end-of-block code") }
    guard let literals = Code(lengths: Array(lengths[0..<literalCount])),
      let distances = Code(lengths: Array(lengths[literalCount...]))
    else { throw fail("an over-subscribed Huffman code") }
    return (literals, distances)
  }
}
