import Foundation
import Testing
@testable import Train

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary directory, removed by the caller's `defer`.
func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("train-tests-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// A tensor of seeded uniform values in [low, high).
func randomTensor(_ shape: [Int], _ random: inout RandomSource, in range: ClosedRange<Double> = -1...1) -> Tensor<Double> {
  let count = shape.reduce(1, *)
  return Tensor(shape: shape, scalars: (0..<count).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * random.uniform() })
}

/// A synthetic, linearly separable classification set: `classes` directions in `features`
/// dimensions; each example is its class's direction plus small noise.
func separableDataset(count: Int, features: Int, classes: Int, seed: UInt64) throws -> Dataset {
  var random = RandomSource(seed: seed)
  let centers = (0..<classes).map { _ in (0..<features).map { _ in Float(random.normal()) } }
  var values: [Float] = []
  var labels: [Int32] = []
  for k in 0..<count {
    let label = k % classes
    labels.append(Int32(label))
    values += centers[label].map { $0 + Float(0.3 * random.normal()) }
  }
  return try Dataset(features: Tensor(shape: [count, features], scalars: values), labels: labels, classes: classes)
}

/// The largest absolute difference between two tensors' scalars.
func maxDifference<S: TrainScalar>(_ a: Tensor<S>, _ b: Tensor<S>) -> Double {
  zip(a.scalars, b.scalars).map { abs(Double($0) - Double($1)) }.max() ?? 0
}
