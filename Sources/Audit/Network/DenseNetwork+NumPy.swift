import Foundation

// MARK: - .npz weights

// An archive written by `numpy.savez(path, W1, b1, W2, b2, ...)` (or JAX arrays passed to it) holds
// `arr_0.npy`, `arr_1.npy`, ...: W1, b1, W2, b2, ..., each W shaped (in, out) for `x @ W + b`.
//
// A square layer's W cannot be told apart from its transpose by shape: a (n, n) array is taken as
// (in, out), the convention above. An archive that stores W as (out, in) (PyTorch's nn.Linear
// layout) must be transposed before saving; for non-square layers the chaining check below
// catches it.

extension DenseNetwork {
  /// The network stored in a `.npz` file (see `init(archive:)`).
  /// - Throws: any `AuditError` of `NumPyArchive(contentsOf:)` and `init(archive:)`.
  public init(npz url: URL) throws(AuditError) {
    try self.init(archive: NumPyArchive(contentsOf: url))
  }

  /// The network of a `.npz` archive holding exactly `arr_0, arr_1, ..., arr_{2L-1}`: W1, b1,
  /// ..., WL, bL, each W of shape (in, out) as NumPy and JAX write `x @ W + b`, each b of shape
  /// (out,). Float32 (`'<f4'`) values are taken exactly; float64 (`'<f8'`) values must be exactly
  /// representable in Float32.
  ///
  /// - Throws: `AuditError.unexpectedArrayName` for any other name, `.wrongArrayCount` for an
  ///   odd or zero count or a gap in the numbering, `.unsupportedDType` for integer arrays,
  ///   `.notFloat32` for a float64 value with no Float32 equal, `.shapeMismatch` when a W is not
  ///   2-D, a b not 1-D of W's output width, or W_{k+1}'s input width is not W_k's output width.
  public init(archive: NumPyArchive) throws(AuditError) {
    var byIndex: [Int: NumPyArray] = [:]
    for array in archive.arrays {
      guard array.name.hasPrefix("arr_"), let k = Int(array.name.dropFirst(4)), k >= 0,
        "arr_\(k)" == array.name
      else {
        throw AuditError.unexpectedArrayName(
          array.name, expected: "arr_0, arr_1, ... (numpy.savez(path, W1, b1, W2, b2, ...))")
      }
      byIndex[k] = array
    }
    let count = archive.arrays.count
    guard count >= 2, count % 2 == 0 else {
      throw AuditError.wrongArrayCount(
        found: count, reason: "expected an even, non-zero number: W1, b1, W2, b2, ...")
    }
    if let missing = (0..<count).first(where: { byIndex[$0] == nil }) {
      throw AuditError.wrongArrayCount(found: count, reason: "arr_\(missing) is missing")
    }
    var layers: [DenseLayer] = []
    for k in 0..<(count / 2) {
      let w = byIndex[2 * k]!, b = byIndex[2 * k + 1]!
      guard w.shape.count == 2, w.shape[0] > 0, w.shape[1] > 0 else {
        throw AuditError.shapeMismatch(array: w.name, shape: w.shape, expected: "a 2-D weight matrix (in, out)")
      }
      let (inputWidth, outputWidth) = (w.shape[0], w.shape[1])
      if let previous = layers.last, previous.outputWidth != inputWidth {
        throw AuditError.shapeMismatch(
          array: w.name, shape: w.shape,
          expected: "(\(previous.outputWidth), out): the previous layer has \(previous.outputWidth) outputs")
      }
      guard b.shape == [outputWidth] else {
        throw AuditError.shapeMismatch(array: b.name, shape: b.shape, expected: "(\(outputWidth),), the width of \(w.name)")
      }
      let weights = try Self.float32Values(w), bias = try Self.float32Values(b)
      do {
        layers.append(try DenseLayer(inputWidth: inputWidth, outputWidth: outputWidth, numpyWeights: weights, bias: bias))
      } catch let .nonFiniteWeight(_, index) {
        throw AuditError.nonFiniteWeight(array: w.name, index: index)
      }
    }
    try self.init(layers: layers)
  }

  /// The array's values as Float32, exactly.
  private static func float32Values(_ array: NumPyArray) throws(AuditError) -> [Float] {
    switch array.elements {
    case let .float32(values):
      if let bad = values.firstIndex(where: { !$0.isFinite }) { throw AuditError.nonFiniteWeight(array: array.name, index: bad) }
      return values
    case let .float64(values):
      var result: [Float] = []
      result.reserveCapacity(values.count)
      for (index, value) in values.enumerated() {
        guard value.isFinite else { throw AuditError.nonFiniteWeight(array: array.name, index: index) }
        let single = Float(value)
        guard Double(single) == value else { throw AuditError.notFloat32(array: array.name, index: index, value: value) }
        result.append(single)
      }
      return result
    default:
      throw AuditError.unsupportedDType(array: array.name, descr: array.elements.descr, allowed: ["<f4", "<f8"])
    }
  }

  /// The network as a `.npz` archive in NumPy's convention: `arr_0 = W1` of shape (in, out),
  /// `arr_1 = b1`, ... as `numpy.savez(path, W1, b1, ...)` writes it, Float32.
  public func numpyArchive() -> NumPyArchive {
    var arrays: [NumPyArray] = []
    for (k, layer) in layers.enumerated() {
      var transposed = [Float](repeating: 0, count: layer.weights.count)
      for o in 0..<layer.outputWidth {
        for i in 0..<layer.inputWidth { transposed[i * layer.outputWidth + o] = layer.weights[o * layer.inputWidth + i] }
      }
      arrays.append(try! NumPyArray(name: "arr_\(2 * k)", shape: [layer.inputWidth, layer.outputWidth], elements: .float32(transposed)))
      arrays.append(try! NumPyArray(name: "arr_\(2 * k + 1)", shape: [layer.outputWidth], elements: .float32(layer.bias)))
    }
    return NumPyArchive(arrays: arrays)
  }
}
