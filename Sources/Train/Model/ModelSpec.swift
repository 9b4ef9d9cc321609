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
///
/// A custom layer is a `layer` block in the theorem language (`FormulaLayerSpec`): the header at
/// column 1, its lines indented. Its one dimension is the width of the layer's input; the engine
/// derives and certifies its backward rule when the model is built, and a generic evaluator runs
/// it. Once defined, its name alone uses it again:
///
///     input 784
///     dense 256
///     layer swish(n)
///       input x[n]
///       output y[i: n] = x[i] * sigmoid(x[i])
///     dense 128
///     swish
///     dense 10
///     loss softmax_cross_entropy
///
/// A block may give its backward rule (`vjp x[i] = ...`): it is then proved to be the vjp of the
/// output, and the layer refused, with the engine's counterexample, when it is not.
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

  /// The width of each layer's output, in order (0 for a formula layer whose output range is
  /// empty or overflows at its input width, which parsing refuses).
  public var widths: [Int] {
    var width = inputWidth
    return layers.map { layer in
      switch layer {
      case .dense(let units): width = units
      case .formula(let formula): width = max(formula.outputWidth(forInput: width) ?? 0, 0)
      case .relu, .sigmoid, .tanh, .dropout: break
      }
      return width
    }
  }

  /// The number of trainable scalars, or nil if it overflows `Int`.
  public var parameterCount: Int? {
    var total = 0
    for (layer, width) in zip(layers, [inputWidth] + widths) {
      guard case .dense(let units) = layer else { continue }
      let (weights, o1) = units.multipliedReportingOverflow(by: width)
      let (withBias, o2) = weights.addingReportingOverflow(units)
      let (sum, o3) = total.addingReportingOverflow(withBias)
      if o1 || o2 || o3 { return nil }
      total = sum
    }
    return total
  }

  /// The model's output width (what the loss reads).
  public var outputWidth: Int { widths.last ?? inputWidth }

  /// The spec in its canonical text form, which parses back to an equal spec. A formula layer's
  /// block is written where it first occurs, its name alone after that.
  public var text: String {
    var lines = ["input \(inputWidth)"]
    var defined: [String: FormulaLayerSpec] = [:]
    for layer in layers {
      if case .formula(let formula) = layer {
        if defined[formula.name] == formula {
          lines.append(formula.name)
          continue
        }
        defined[formula.name] = formula
      }
      lines.append(layer.text)
    }
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
  /// A custom layer given by its forward formula (a `layer` block).
  case formula(FormulaLayerSpec)

  /// The statement as written in a spec.
  public var text: String {
    switch self {
    case .dense(let units): return "dense \(units)"
    case .relu: return "relu"
    case .sigmoid: return "sigmoid"
    case .tanh: return "tanh"
    case .dropout(let keep): return "dropout keep \(keep)"
    case .formula(let formula): return formula.text
    }
  }
}

/// The loss statement of a spec; raw values are the certified block names.
public enum LossSpec: String, Equatable, Sendable, CaseIterable {
  case softmaxCrossEntropy = "softmax_cross_entropy"
  case mse = "mse"
}
