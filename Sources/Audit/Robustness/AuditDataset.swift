import Exact

/// Labelled images for a robustness audit: `count` images of `features` bytes, each pixel standing
/// for the real input `pixel / 255` in [0, 1], and a class label per image.
///
/// The audit bounds the real-number network at exactly `pixel / 255` (the trainer's Float32
/// `Float(pixel) * (1/255)` is within an ulp of it).
public struct AuditDataset: Sendable {
  /// The number of images.
  public let count: Int
  /// Bytes per image.
  public let features: Int
  /// The images, row-major `[count, features]`.
  public let pixels: [UInt8]
  /// The class of each image.
  public let labels: [Int]

  /// A data set of byte images.
  /// - Throws: `AuditError.invalidArgument` when the sizes disagree or a label is negative.
  public init(pixels: [UInt8], features: Int, labels: [Int]) throws(AuditError) {
    guard features > 0, pixels.count == labels.count * features else {
      throw AuditError.invalidArgument(
        "\(labels.count) labels but \(pixels.count) pixels, which is not \(labels.count) images of \(features)")
    }
    if let bad = labels.firstIndex(where: { $0 < 0 }) {
      throw AuditError.invalidArgument("label \(labels[bad]) of image \(bad) is negative")
    }
    count = labels.count
    self.features = features
    self.pixels = pixels
    self.labels = labels
  }

  /// A data set from images already scaled to [0, 1] as Floats: each value must be within an ulp
  /// of `k / 255` for a byte `k` (as `Float(k) / 255` and `Float(k) * (1/255)` are), and is audited
  /// as exactly `k / 255`.
  /// - Throws: `AuditError.invalidArgument` for a value that is not such a pixel, or sizes that
  ///   disagree.
  public init(scaledImages: [Float], features: Int, labels: [Int]) throws(AuditError) {
    var pixels: [UInt8] = []
    pixels.reserveCapacity(scaledImages.count)
    for (index, value) in scaledImages.enumerated() {
      let k = (value * 255).rounded()
      guard value.isFinite, k >= 0, k <= 255, (Float(k) / 255 - value).magnitude <= value.ulp else {
        throw AuditError.invalidArgument("input \(index) is \(value), not a pixel k/255 of a byte k")
      }
      pixels.append(UInt8(k))
    }
    try self.init(pixels: pixels, features: features, labels: labels)
  }

  /// The data set of a `.npz` with `images` (`|u1`, `(count, ...)`) and `labels` (`|u1` or `<i8`).
  /// - Throws: `AuditError.unexpectedArrayName`, `.unsupportedDType`, `.shapeMismatch`.
  public init(archive: NumPyArchive) throws(AuditError) {
    guard let images = archive["images"] else { throw AuditError.wrongArrayCount(found: archive.arrays.count, reason: "no 'images' array") }
    guard let labels = archive["labels"] else { throw AuditError.wrongArrayCount(found: archive.arrays.count, reason: "no 'labels' array") }
    guard case let .uint8(pixels) = images.elements else {
      throw AuditError.unsupportedDType(array: "images", descr: images.elements.descr, allowed: ["|u1"])
    }
    guard images.shape.count >= 2, labels.shape == [images.shape[0]] else {
      throw AuditError.shapeMismatch(array: "images", shape: images.shape, expected: "(count, features...) with labels (count,)")
    }
    let classes: [Int]
    switch labels.elements {
    case let .uint8(v): classes = v.map(Int.init)
    case let .int64(v): classes = v.map { Int($0) }
    default: throw AuditError.unsupportedDType(array: "labels", descr: labels.elements.descr, allowed: ["|u1", "<i8"])
    }
    try self.init(pixels: pixels, features: images.shape.dropFirst().reduce(1, *), labels: classes)
  }

  /// The first `n` images (all of them when `n >= count`).
  public func prefix(_ n: Int) -> AuditDataset {
    let kept = min(max(n, 0), count)
    return try! AuditDataset(pixels: Array(pixels[0..<(kept * features)]), features: features, labels: Array(labels[0..<kept]))
  }

  /// The images at `indices`, in that order.
  func subset(_ indices: some Collection<Int>) -> AuditDataset {
    try! AuditDataset(pixels: indices.flatMap { image($0) }, features: features, labels: indices.map { labels[$0] })  // sizes agree
  }

  /// Image `index`'s pixels.
  public func image(_ index: Int) -> ArraySlice<UInt8> { pixels[(index * features)..<((index + 1) * features)] }

  /// The clipped ball of radius `epsilon` around image `index`, exactly.
  public func box(_ index: Int, epsilon: Rational) throws(AuditError) -> InputBox {
    try InputBox(pixels: Array(image(index)), epsilon: epsilon)
  }
}

