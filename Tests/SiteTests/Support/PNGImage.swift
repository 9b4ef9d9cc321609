import CZlib
import Foundation

/// A decoded PNG screenshot (8-bit RGB or RGBA, not interlaced: what Chromium writes), enough to
/// tell a blank page from a rendered one.
struct PNGImage {
  var width: Int
  var height: Int
  /// One `0xRRGGBB` per pixel, row-major.
  var pixels: [UInt32]

  enum DecodeError: Error { case malformed(String) }

  init(contentsOf url: URL) throws {
    let bytes = [UInt8](try Data(contentsOf: url))
    guard bytes.count > 8, bytes[0..<8].elementsEqual([137, 80, 78, 71, 13, 10, 26, 10]) else { throw DecodeError.malformed("not a PNG") }
    var offset = 8, header: [UInt8] = [], compressed: [UInt8] = []
    func be32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
    while offset + 8 <= bytes.count {
      let length = be32(offset), type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
      guard offset + 12 + length <= bytes.count else { throw DecodeError.malformed("truncated chunk") }
      let data = bytes[offset + 8..<offset + 8 + length]
      if type == "IHDR" { header = Array(data) }
      if type == "IDAT" { compressed += data }
      offset += 12 + length
    }
    guard header.count == 13 else { throw DecodeError.malformed("no IHDR") }
    width = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
    height = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
    guard header[8] == 8, header[12] == 0, header[9] == 2 || header[9] == 6, width > 0, height > 0, width * height < 1 << 26 else {
      throw DecodeError.malformed("unsupported PNG (depth \(header[8]), colour type \(header[9]), interlace \(header[12]))")
    }
    let channels = header[9] == 6 ? 4 : 3, stride = width * channels
    var raw = [UInt8](repeating: 0, count: height * (stride + 1))
    var size = uLong(raw.count)
    let status = raw.withUnsafeMutableBufferPointer { out in
      compressed.withUnsafeBufferPointer { uncompress(out.baseAddress, &size, $0.baseAddress, uLong($0.count)) }
    }
    guard status == Z_OK, Int(size) == raw.count else { throw DecodeError.malformed("inflate failed (\(status))") }
    var image = [UInt8](repeating: 0, count: height * stride)
    for row in 0..<height {
      let filter = raw[row * (stride + 1)]
      for k in 0..<stride {
        let x = raw[row * (stride + 1) + 1 + k]
        let a = k >= channels ? Int(image[row * stride + k - channels]) : 0
        let b = row > 0 ? Int(image[(row - 1) * stride + k]) : 0
        let c = row > 0 && k >= channels ? Int(image[(row - 1) * stride + k - channels]) : 0
        let predictor: Int
        switch filter {
        case 0: predictor = 0
        case 1: predictor = a
        case 2: predictor = b
        case 3: predictor = (a + b) / 2
        case 4:
          let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
        default: throw DecodeError.malformed("filter \(filter)")
        }
        image[row * stride + k] = UInt8((Int(x) + predictor) & 0xff)
      }
    }
    pixels = (0..<width * height).map { p in
      UInt32(image[p * channels]) << 16 | UInt32(image[p * channels + 1]) << 8 | UInt32(image[p * channels + 2])
    }
  }

  /// The share of pixels that differ from the most common colour (the background).
  var inkFraction: Double {
    var counts: [UInt32: Int] = [:]
    for p in pixels { counts[p, default: 0] += 1 }
    return Double(pixels.count - (counts.values.max() ?? 0)) / Double(pixels.count)
  }

  var distinctColours: Int { Set(pixels).count }
}
