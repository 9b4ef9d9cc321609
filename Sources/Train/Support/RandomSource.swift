#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Evaluation

/// SplitMix64 (Steele, Lea and Flood, 2014): the trainer's seeded random numbers, the same on
/// every machine, for initialization, shuffling and dropout masks.
///
/// ```swift
/// var random = RandomSource(seed: 42)
/// let u = random.uniform()            // in [0, 1)
/// let k = random.index(below: 10)     // in 0..<10
/// ```
package struct RandomSource: RandomNumberGenerator, Sendable {
  /// The generator: `Evaluation`'s SplitMix64, with the draws the trainer needs on top.
  private var generator: SplitMix64

  package var state: UInt64 { generator.state }

  package init(seed: UInt64) { generator = SplitMix64(seed: seed) }

  /// The generator whose `state` is `state`: it continues the sequence of the one `state` was
  /// read from (a checkpoint's shuffle and dropout streams).
  package init(state: UInt64) { generator = SplitMix64(seed: state) }

  /// An independent stream for one purpose (`stream` 1 for shuffling, 2 for dropout, ...), so that
  /// adding a layer does not change the shuffle order.
  package init(seed: UInt64, stream: UInt64) {
    generator = SplitMix64(seed: RandomSource.mix(seed ^ RandomSource.mix(stream &+ 0x5EED)))
  }

  package mutating func next() -> UInt64 { generator.next() }

  static func mix(_ x: UInt64) -> UInt64 { SplitMix64.mix(x) }

  /// A uniform `Double` in [0, 1), 53 random bits.
  package mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// A uniform `Float` in [0, 1), 24 random bits.
  @inline(__always) public mutating func uniformFloat() -> Float {
    Float(next() >> 40) * 0x1p-24
  }

  /// A uniform integer in `0..<bound`, by rejection (no modulo bias, same on every platform).
  package mutating func index(below bound: Int) -> Int {
    precondition(bound > 0, "empty range")
    let width = UInt64(bound)
    let limit = UInt64.max - UInt64.max % width
    var draw = next()
    while draw >= limit { draw = next() }
    return Int(draw % width)
  }

  /// A standard normal sample (Box–Muller; one of the pair, for simplicity).
  package mutating func normal() -> Double {
    let u1 = 1 - uniform()  // in (0, 1]: log is finite
    let u2 = uniform()
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }

  /// Shuffles `indices` in place (Fisher–Yates).
  package mutating func shuffle(_ indices: inout [Int]) {
    guard indices.count > 1 else { return }
    for k in stride(from: indices.count - 1, to: 0, by: -1) {
      indices.swapAt(k, index(below: k + 1))
    }
  }
}
