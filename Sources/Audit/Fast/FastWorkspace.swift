/// Scratch memory for the Float64 tier, reused from batch to batch so that large products do not
/// allocate (and fault in) fresh pages each time. One per computation; not shared between threads.
final class FastWorkspace {
  enum Slot: Int, CaseIterable {
    case center, radius, centerProduct, radiusProduct, lambda, product
    /// A convolution's backward product (`ConvolutionGeometry`): rows regrouped by channel, and its columns.
    case convolutionRows, convolutionColumns
  }

  private var buffers: [UnsafeMutableBufferPointer<Double>]

  init() {
    buffers = Slot.allCases.map { _ in UnsafeMutableBufferPointer(start: nil, count: 0) }
  }

  deinit {
    for buffer in buffers { buffer.deallocate() }
  }

  /// At least `count` Doubles for `slot`, contents unspecified. The memory stays valid until the
  /// next call for the same slot asks for more.
  func buffer(_ slot: Slot, count: Int) -> UnsafeMutablePointer<Double> {
    if buffers[slot.rawValue].count < count {
      buffers[slot.rawValue].deallocate()
      buffers[slot.rawValue] = .allocate(capacity: max(count, 1))
    }
    return buffers[slot.rawValue].baseAddress!
  }

  /// The memory of `slot`, which must already hold `count` Doubles (its contents are kept).
  func existing(_ slot: Slot, count: Int) -> UnsafeMutablePointer<Double> {
    precondition(buffers[slot.rawValue].count >= count, "FastWorkspace: \(slot) holds fewer than \(count) values")
    return buffers[slot.rawValue].baseAddress!
  }

  /// Swaps the memory of two slots (a computation's output becoming the next step's input).
  func swap(_ a: Slot, _ b: Slot) {
    buffers.swapAt(a.rawValue, b.rawValue)
  }
}

/// Eight Doubles at `pointer + offset`, and back.
@inline(__always)
func load8(_ pointer: UnsafePointer<Double>, _ offset: Int) -> SIMD8<Double> {
  UnsafeRawPointer(pointer + offset).loadUnaligned(as: SIMD8<Double>.self)
}

@inline(__always)
func store8(_ value: SIMD8<Double>, _ pointer: UnsafeMutablePointer<Double>, _ offset: Int) {
  UnsafeMutableRawPointer(pointer + offset).storeBytes(of: value, as: SIMD8<Double>.self)
}

/// `|x|` lane by lane.
@inline(__always)
func magnitude8(_ x: SIMD8<Double>) -> SIMD8<Double> {
  SIMD8(bitPattern: x.bitPattern & SIMD8(repeating: 0x7FFF_FFFF_FFFF_FFFF))
}

extension SIMD8 where Scalar == Double {
  init(bitPattern: SIMD8<UInt64>) {
    self = unsafeBitCast(bitPattern, to: SIMD8<Double>.self)
  }

  var bitPattern: SIMD8<UInt64> { unsafeBitCast(self, to: SIMD8<UInt64>.self) }
}
