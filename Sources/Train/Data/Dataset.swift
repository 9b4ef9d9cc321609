/// Labelled examples for classification: `count` feature vectors of `features` values and a class
/// label in `0..<classes` for each.
///
/// Images are kept as their bytes and scaled to [0, 1] (`byte * (1/255)`) as each batch is assembled: a quarter of the memory of `Float` pixels, at no cost to the step. Other
/// data is kept as `Float`.
public struct Dataset: Sendable {
  enum Storage: Sendable {
    case bytes([UInt8])
    case floats(Tensor<Float>)
  }

  let storage: Storage
  /// The number of examples.
  public let count: Int
  /// Values per example (784 for a 28×28 image).
  public let features: Int
  /// The class of each example.
  public let labels: [Int32]
  /// The number of classes; every label is below it.
  public let classes: Int

  /// Images from bytes, `count × features`, each pixel scaled to `Float(byte) * (1 / 255)`
  /// (within an ulp of `byte / 255`; a multiplication is four times as fast as a division here).
  ///
  /// - Throws: `TrainingError.mismatchedData` when the sizes disagree or a label is out of range.
  public init(pixels: [UInt8], features: Int, labels: [Int32], classes: Int) throws {
    try Dataset.check(values: pixels.count, features: features, labels: labels, classes: classes)
    storage = .bytes(pixels)
    count = labels.count
    self.features = features
    self.labels = labels
    self.classes = classes
  }

  /// Examples from a `[count, features]` tensor.
  ///
  /// - Throws: `TrainingError.mismatchedData` when the sizes disagree or a label is out of range.
  public init(features values: Tensor<Float>, labels: [Int32], classes: Int) throws {
    guard values.shape.count == 2 else {
      throw TrainingError.mismatchedData("features have shape \(values.shape); expected [examples, features]")
    }
    try Dataset.check(values: values.count, features: values.shape[1], labels: labels, classes: classes)
    storage = .floats(values)
    count = labels.count
    features = values.shape[1]
    self.labels = labels
    self.classes = classes
  }

  private static func check(values: Int, features: Int, labels: [Int32], classes: Int) throws {
    guard features > 0, classes > 0 else {
      throw TrainingError.mismatchedData("features (\(features)) and classes (\(classes)) must be positive")
    }
    guard values == labels.count * features else {
      throw TrainingError.mismatchedData(
        "\(labels.count) labels but \(values) values, which is not \(labels.count) examples of \(features)")
    }
    if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= classes }) {
      throw TrainingError.mismatchedData("label \(labels[bad]) of example \(bad) is outside 0..<\(classes)")
    }
  }

  /// Copies the examples at `indices` into the rows of `batch`, and their labels into `labels`.
  func gather(_ indices: ArraySlice<Int>, into batch: UnsafeMatrix<Float>, labels out: UnsafeMutablePointer<Int32>) {
    precondition(batch.columns == features && batch.rows == indices.count, "batch shape mismatch")
    switch storage {
    case .bytes(let pixels):
      pixels.withUnsafeBufferPointer { pixels in
        for (r, example) in indices.enumerated() {
          let (source, row) = (pixels.baseAddress! + example * features, batch.row(r))
          for c in 0..<features { row[c] = Float(source[c]) * (1 / 255) }  // vectorizes
        }
      }
    case .floats(let values):
      values.withUnsafeBufferPointer { values in
        for (r, example) in indices.enumerated() {
          batch.row(r).update(from: values.baseAddress! + example * features, count: features)
        }
      }
    }
    labels.withUnsafeBufferPointer { all in
      for (r, example) in indices.enumerated() { out[r] = all[example] }
    }
  }

  /// The image bytes, `count × features`, when the examples are images (nil for `Float` data).
  /// Audits read them to build exact pixel boxes: `byte / 255` exactly, not its Float rounding.
  public var pixels: [UInt8]? {
    if case .bytes(let pixels) = storage { return pixels }
    return nil
  }

  /// The features of every example as a `[count, features]` tensor (scaled to [0, 1] for images).
  public var featureTensor: Tensor<Float> {
    var result = Tensor<Float>(zeros: [count, features])
    var labelsOut = [Int32](repeating: 0, count: count)
    result.withMatrix { m in
      labelsOut.withUnsafeMutableBufferPointer { gather(ArraySlice(0..<count), into: m, labels: $0.baseAddress!) }
    }
    return result
  }

  /// The first `n` examples (all of them if there are fewer).
  public func prefix(_ n: Int) -> Dataset {
    let n = min(max(n, 0), count)
    switch storage {
    case .bytes(let pixels):
      return try! Dataset(pixels: Array(pixels[..<(n * features)]), features: features, labels: Array(labels[..<n]), classes: classes)
    case .floats(let values):
      let rows = Tensor(shape: [n, features], scalars: Array(values.scalars[..<(n * features)]))
      return try! Dataset(features: rows, labels: Array(labels[..<n]), classes: classes)
    }
  }
}
