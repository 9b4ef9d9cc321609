/// A model in the spec format of `Models/*.spec`: an input width, layers in order, and a loss.
///
///     # Fashion-MNIST MLP
///     input 784
///     dense 256
///     relu
///     dense 10
///     loss softmax_cross_entropy
///
/// One statement per line, `#` starts a comment. Statements: `input N` (first), `dense N`, `relu`,
/// `sigmoid`, `tanh`, `dropout keep P` (keep probability `P` in (0, 1]), and `loss NAME` (last;
/// `softmax_cross_entropy` or `mse`). Parsing reports the first error with its line and column.
public struct ModelSpec: Equatable, Sendable {
  /// The number of input features.
  public var inputWidth: Int
  public var layers: [LayerSpec]
  public var loss: LossSpec

  public init(inputWidth: Int, layers: [LayerSpec], loss: LossSpec) {
    self.inputWidth = inputWidth
    self.layers = layers
    self.loss = loss
  }

  /// The width of each layer's output, in order.
  public var widths: [Int] {
    var width = inputWidth
    return layers.map { layer in
      if case .dense(let units) = layer { width = units }
      return width
    }
  }

  /// The number of trainable scalars, or nil if it overflows `Int`.
  public var parameterCount: Int? {
    var (total, width) = (0, inputWidth)
    for case .dense(let units) in layers {
      let (weights, o1) = units.multipliedReportingOverflow(by: width)
      let (withBias, o2) = weights.addingReportingOverflow(units)
      let (sum, o3) = total.addingReportingOverflow(withBias)
      if o1 || o2 || o3 { return nil }
      (total, width) = (sum, units)
    }
    return total
  }

  /// The model's output width (what the loss reads).
  public var outputWidth: Int { widths.last ?? inputWidth }

  /// The spec in its canonical text form, which parses back to an equal spec.
  public var text: String {
    var lines = ["input \(inputWidth)"]
    lines += layers.map(\.text)
    lines.append("loss \(loss.rawValue)")
    return lines.joined(separator: "\n") + "\n"
  }
}

/// One layer statement of a spec.
public enum LayerSpec: Equatable, Sendable {
  case dense(units: Int)
  case relu
  case sigmoid
  case tanh
  /// Inverted dropout keeping each value with probability `keep`.
  case dropout(keep: Double)

  /// The statement as written in a spec.
  public var text: String {
    switch self {
    case .dense(let units): return "dense \(units)"
    case .relu: return "relu"
    case .sigmoid: return "sigmoid"
    case .tanh: return "tanh"
    case .dropout(let keep): return "dropout keep \(keep)"
    }
  }
}

/// The loss statement of a spec; raw values are the certified block names.
public enum LossSpec: String, Equatable, Sendable, CaseIterable {
  case softmaxCrossEntropy = "softmax_cross_entropy"
  case mse = "mse"
}
