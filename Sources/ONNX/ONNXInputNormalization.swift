public import Exact
public import Train

/// The normalisation an ONNX model applies to its input before its first layer: `Sub` and `Div`
/// of constants, `(x − mean) / std`, as VNN-COMP's image networks and torchvision's models carry
/// it (per pixel, per channel or one number).
///
/// It is kept beside the imported checkpoint, not folded into the first layer: `W / std` would not
/// be float32 numbers, so folding would round the weights. The audits read it exactly instead —
/// each step's constants are float32 numbers, so the map is `scale ⊙ x + shift` with rational
/// `scale` and `shift` — as an affine layer in front of the network (`LayerNetwork`), and inputs,
/// boxes and VNN-LIB properties stay in the units the model takes (pixels in [0, 1]). `certify
/// evaluate` applies the steps in Float32, each rounded, as ONNX Runtime does.
///
/// ```swift
/// let imported = try ONNXImport(contentsOf: "net.onnx", certificates: .builtIn)
/// imported.inputNormalization?.scale[0]   // 1 / std, exactly
/// ```
public struct InputNormalization: Sendable, Equatable {
  /// One node: subtract or divide by a constant, given per input value (broadcast already).
  public enum Step: Sendable, Equatable {
    case subtract([Float])
    case divide([Float])
  }

  /// The nodes in order.
  public let steps: [Step]
  /// The map the steps compute, exactly: `x ↦ scale[i] x[i] + shift[i]` for each input value `i`.
  public let scale: [Rational], shift: [Rational]

  /// The normalisation of `steps` over `width` input values.
  /// - Precondition: every step gives `width` values, finite, and no divisor is 0 (the reader
  ///   refuses the node otherwise).
  init(steps: [Step], width: Int) {
    var scale = [Rational](repeating: 1, count: width), shift = [Rational](repeating: 0, count: width)
    for step in steps {
      switch step {
      case .subtract(let c):
        for i in 0..<width { shift[i] = shift[i] - (try! Rational(exactly: Double(c[i]))) }
      case .divide(let c):
        for i in 0..<width {
          let d = try! Rational(exactly: Double(c[i]))
          (scale[i], shift[i]) = (scale[i] / d, shift[i] / d)
        }
      }
    }
    self.steps = steps
    self.scale = scale
    self.shift = shift
  }

  /// `values` (`[count, width]`, row-major) normalised in Float32, each step rounded as ONNX
  /// Runtime rounds it.
  public func apply(_ values: [Float]) -> [Float] {
    let width = scale.count
    var out = values
    for step in steps {
      switch step {
      case .subtract(let c): for k in out.indices { out[k] -= c[k % width] }
      case .divide(let c): for k in out.indices { out[k] /= c[k % width] }
      }
    }
    return out
  }

  /// `data` with its features normalised (`apply`), for `certify evaluate`.
  /// - Throws: `TrainingError.mismatchedData` when the data's width is not the model's input's.
  public func apply(to data: Dataset) throws -> Dataset {
    guard data.features == scale.count else {
      throw TrainingError.mismatchedData("the data has \(data.features) values per example, the model's input normalisation \(scale.count)")
    }
    let features = data.featureTensor
    return try Dataset(
      features: Tensor(shape: features.shape, scalars: apply(features.scalars)), labels: data.labels, classes: data.classes)
  }
}
