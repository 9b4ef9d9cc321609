/// An 8-bit grayscale image as a PNG file (PNG 1.2: IHDR, one IDAT, IEND; filter 0 on every row),
/// for looking at adversarial examples.
struct GrayscalePNG {
  let width: Int
  let height: Int
  /// Row-major, `width * height` bytes.
  let pixels: [UInt8]

  init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(width > 0 && height > 0 && pixels.count == width * height, "GrayscalePNG: \(pixels.count) pixels for \(width)×\(height)")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// The file's bytes.
  var data: [UInt8] {
    var raw: [UInt8] = []
    raw.reserveCapacity((width + 1) * height)
    for row in 0..<height {
      raw.append(0)  // filter type None
      raw += pixels[(row * width)..<((row + 1) * width)]
    }
    var header = GrayscalePNG.bigEndian(UInt32(width)) + GrayscalePNG.bigEndian(UInt32(height))
    header += [8, 0, 0, 0, 0]  // bit depth 8, grayscale, deflate, adaptive filtering, no interlace
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
      + GrayscalePNG.chunk("IHDR", header) + GrayscalePNG.chunk("IDAT", Zlib.compressed(raw)) + GrayscalePNG.chunk("IEND", [])
  }

  private static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
    let typed = Array(type.utf8) + body
    return bigEndian(UInt32(body.count)) + typed + bigEndian(Zlib.crc32(typed))
  }

  private static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
  }
}
