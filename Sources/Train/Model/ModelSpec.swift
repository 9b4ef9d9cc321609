/// A model in the spec format of `Models/*.spec`: an input width, layers in order, and a loss.
///
///     # Fashion-MNIST MLP
///     input 784
///     dense 256
///     relu
///     dense 10
///     loss softmax_cross_entropy
///
/// One statement per line, `#` starts a comment. Statements: `input N` (first; `CxHxW` for an
/// image, `TxN` for `T` tokens of `N` features), `dense N`, `relu`, `sigmoid`, `tanh`,
/// `dropout keep P` (keep probability `P` in (0, 1]), and `loss NAME` (last;
/// `softmax_cross_entropy` or `mse`); the convolutional and transformer layers of Docs/Training.md.
/// Parsing reports the first error with its line and column.
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
///
/// A graph-shaped model names values and reads them again (`graph`, `ValueGraph`): `h = relu`
/// names a layer's output, `from h dense 8` reads `h` instead of the line before, `add h` and
/// `mul h` combine the current value with `h` (Docs/Training.md, "Graph-shaped models").
public struct ModelSpec: Equatable, Sendable {
  /// The shape of one example: `[n]` for `input n`, `[C, H, W]` for `input CxHxW` (stored
  /// channel-major, NCHW in a batch: Docs/Training.md, "Images").
  public var inputShape: [Int]
  public var layers: [LayerSpec]
  public var loss: LossSpec
  /// The values each layer reads, for a graph-shaped model (`ValueGraph`); nil when each layer
  /// reads the one before it.
  public var graph: ValueGraph?

  public init(inputWidth: Int, layers: [LayerSpec], loss: LossSpec) {
    self.init(inputShape: [inputWidth], layers: layers, loss: loss)
  }

  public init(inputShape: [Int], layers: [LayerSpec], loss: LossSpec, graph: ValueGraph? = nil) {
    self.inputShape = inputShape
    self.layers = layers
    self.loss = loss
    self.graph = graph
  }

  /// The number of input features (the product of the input shape).
  public var inputWidth: Int { inputShape.reduce(1, *) }

  /// The shape of each layer's output, in order. Parsing refuses a spec where a layer does not
  /// fit its input; for one built in code, an unfit layer's shape is `[0]`.
  public var shapes: [[Int]] {
    var values = [inputShape]
    for (k, layer) in layers.enumerated() {
      let reads = sources(of: k).map { $0 < values.count ? values[$0] : [0] }
      // A second operand (`add`, `mul`) must have the first's shape.
      let fits = reads.dropFirst().allSatisfy { $0 == reads[0] }
      values.append(fits ? (try? layer.outputShape(input: reads[0]).get()) ?? [0] : [0])
    }
    return Array(values.dropFirst())
  }

  /// The width of each layer's output (the product of its shape), in order.
  public var widths: [Int] { shapes.map { $0.reduce(1, *) } }

  /// The number of scalars a checkpoint stores: the trainable ones and batch norm's running
  /// statistics; nil if it overflows `Int`.
  public var parameterCount: Int? {
    var total = 0
    for (layer, shape) in zip(layers, inputShapes) {
      guard let count = layer.parameterCount(input: shape) else { return nil }
      let (sum, overflow) = total.addingReportingOverflow(count)
      if overflow { return nil }
      total = sum
    }
    return total
  }

  /// The model's output width (what the loss reads).
  public var outputWidth: Int { widths.last ?? inputWidth }

  /// The spec in its canonical text form, which parses back to an equal spec. A formula layer's
  /// block is written where it first occurs, its name alone after that.
  public var text: String {
    var lines = ["input " + inputShape.map(String.init).joined(separator: "x")]
    var defined: [String: FormulaLayerSpec] = [:]
    let graph = self.graph.map(\.withReferencesNamed)
    for (k, layer) in layers.enumerated() {
      var statement = layer.text
      if case .formula(let formula) = layer {
        if defined[formula.name] == formula {
          statement = formula.name
        }
        defined[formula.name] = formula
      }
      lines.append(graph.map { graphLine(k, $0, statement: statement) } ?? statement)
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
  /// The sum of two values of one shape (a residual connection): `add NAME` in a spec.
  case add
  /// The elementwise product of two values of one shape: `mul NAME` in a spec.
  case mul
  /// 2-D convolution to `channels` output channels, `kernel` x `kernel`, with bias.
  case conv2d(channels: Int, kernel: Int, stride: Int, padding: Int)
  /// One `kernel` x `kernel` filter per channel, with bias.
  case depthwiseConv2d(kernel: Int, stride: Int, padding: Int)
  /// The maximum of each `kernel` x `kernel` window.
  case maxpool(kernel: Int, stride: Int)
  /// The mean of each `kernel` x `kernel` window.
  case avgpool(kernel: Int, stride: Int)
  /// The mean of each channel: `[C, H, W]` to `[C]`.
  case globalAvgpool
  /// Batch normalization per channel (batch statistics in training, running ones at evaluation).
  case batchnorm
  /// `[C, H, W]` read as the vector of its `C H W` values in storage order.
  case flatten
  /// `dense N` on `[T, I]` tokens: the same dense map applied to every token, giving `[T, N]`.
  case denseTokens(units: Int)
  /// Layer normalization over the last axis (each token's features), with scale and shift.
  case layernorm
  /// Softmax over the last axis.
  case softmax
  /// GELU, the erf form.
  case gelu
  /// GELU, the tanh approximation.
  case geluTanh
  /// Scaled dot-product attention in `heads` heads over `[T, 3D]` tokens (each token's query, key
  /// and value side by side), giving `[T, D]`.
  case attentionHeads(heads: Int)
  /// A learned position embedding added to `[T, D]` tokens.
  case positionEmbedding
  /// The mean of the tokens: `[T, D]` to `[D]`.
  case tokenMeanpool
  /// A `[C, H, W]` image cut into `patch x patch` patches (stride `patch`), each mapped to `units`
  /// features: `[GH GW, units]` tokens.
  case patchEmbed(units: Int, patch: Int)

  /// The statement as written in a spec.
  public var text: String {
    switch self {
    case .dense(let units): return "dense \(units)"
    case .relu: return "relu"
    case .sigmoid: return "sigmoid"
    case .tanh: return "tanh"
    case .dropout(let keep): return "dropout keep \(keep)"
    case .formula(let formula): return formula.text
    case .add: return "add"
    case .mul: return "mul"
    case let .conv2d(channels, kernel, stride, padding):
      return "conv2d \(channels) \(kernel)" + Self.options(stride: stride, padding: padding)
    case let .depthwiseConv2d(kernel, stride, padding):
      return "depthwise_conv2d \(kernel)" + Self.options(stride: stride, padding: padding)
    case let .maxpool(kernel, stride): return "maxpool \(kernel)" + (stride == kernel ? "" : " stride \(stride)")
    case let .avgpool(kernel, stride): return "avgpool \(kernel)" + (stride == kernel ? "" : " stride \(stride)")
    case .globalAvgpool: return "global_avgpool"
    case .batchnorm: return "batchnorm"
    case .flatten: return "flatten"
    case .denseTokens(let units): return "dense \(units)"
    case .layernorm: return "layernorm"
    case .softmax: return "softmax"
    case .gelu: return "gelu"
    case .geluTanh: return "gelu_tanh"
    case .attentionHeads(let heads): return "attention_heads \(heads)"
    case .positionEmbedding: return "position_embedding"
    case .tokenMeanpool: return "token_meanpool"
    case let .patchEmbed(units, patch): return "patch_embed \(units) \(patch)"
    }
  }
}

extension LayerSpec {
  /// ` stride S pad P`, each only when it is not the default (stride 1, no padding).
  private static func options(stride: Int, padding: Int) -> String {
    (stride == 1 ? "" : " stride \(stride)") + (padding == 0 ? "" : " pad \(padding)")
  }
}

/// The loss statement of a spec; raw values are the certified block names.
public enum LossSpec: String, Equatable, Sendable, CaseIterable {
  case softmaxCrossEntropy = "softmax_cross_entropy"
  case mse = "mse"
}
