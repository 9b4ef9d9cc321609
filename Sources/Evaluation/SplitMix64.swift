/// SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast, seeded random number generator, so that
/// random environments are the same on every machine and every run.
///
/// ```swift
/// var generator = SplitMix64(seed: 42)
/// let n = generator.next()
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable {
  /// The state, advanced by the golden-ratio increment at each step.
  public private(set) var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return SplitMix64.mix(state)
  }

  /// The SplitMix64 output function: a bijective mixing of 64 bits.
  public static func mix(_ x: UInt64) -> UInt64 {
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension RandomNumberGenerator {
  /// A uniform integer in `range`, by rejection (the same sequence on every platform and standard
  /// library, unlike `Int.random(in:using:)`, whose algorithm is not specified).
  mutating func integer(in range: ClosedRange<Int>) -> Int {
    let width = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound)) &+ 1
    if width == 0 { return Int(bitPattern: UInt(next())) }  // the full range of Int
    let limit = UInt64.max - UInt64.max % width  // accept draws below a multiple of width
    var draw = next()
    while draw >= limit { draw = next() }
    return range.lowerBound &+ Int(bitPattern: UInt(draw % width))
  }
}

/// FNV-1a over bytes, then SplitMix64's mixing: a hash that, unlike `Hasher`, is the same in every
/// process.
struct StableHash {
  private(set) var state: UInt64 = 0xCBF2_9CE4_8422_2325

  mutating func combine(_ text: String) {
    for byte in text.utf8 { combine(byte: byte) }
    combine(byte: 0xFF)  // not UTF-8: separates consecutive strings
  }

  mutating func combine(_ value: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) { combine(byte: UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
  }

  private mutating func combine(byte: UInt8) {
    state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
  }

  var value: UInt64 { SplitMix64.mix(state) }
}
