public import Certificates
import Dispatch
/// A model: layers applied in order, then a loss — built from a `ModelSpec`.
///
/// Dense layers are initialized from the seed: He for a dense layer followed by `relu`, Glorot
/// otherwise; biases start at zero. Layers are named by kind and position among their kind
/// (`dense1`, `relu1`, `dense2`), and parameters after their layer (`dense1.W`).
///
/// Building a model checks every rule its layers run against the certificate store: each rule's
/// certificate must replay through the kernel to exactly the statement compiled into this code
/// (`RuleCertification`). A missing, tampered or stale certificate refuses the model, naming the
/// layer, its position and the reason. There is no way to build a model without this check.
///
/// A formula layer of the spec (a `layer` block) is certified here too: its backward rule is derived
/// from the forward formula (or the block's `vjp` line proved), the proof written as a certificate,
/// replayed through the kernel and its theorem's hash compared with that of the block's own
/// statement (`FormulaCertification`); the rule then joins `certificateHashes` under its name
/// (`swish.x`), and the layer runs both formulas with the generic evaluator (`FormulaLayer`).
///
/// ```swift
/// let store = CertificateStore(directory: URL(fileURLWithPath: "Certificates"))
/// let model = try Sequential(ModelSpec(contentsOf: "Models/mlp.spec"), seed: 1, certificates: store)
/// model.ruleNames          // ["dense.x", "dense.W", "dense.b", "relu.x", "softmax_cross_entropy.z"]
/// model.certificateHashes  // rule name -> SHA-256 of the certified theorem
/// ```
public final class Sequential {
  public let spec: ModelSpec
  /// The layers, in order.
  public let layers: [any Layer]
  /// The same layers, as the trainer runs them (stored, not converted from `layers` on each use:
  /// a training step allocates nothing).
  package let kernels: [any LayerKernels]
  public let loss: any Loss
  /// The same loss, as the trainer runs it.
  package let lossKernels: any LossKernels
  /// The SHA-256 of each rule's certified theorem (what checkpoints record).
  public private(set) var certificateHashes: [String: String] = [:]
  /// The theorem each built-in rule's certificate replayed to when the model was built, so that
  /// nothing (the gradient audit) replays it again.
  public private(set) var certifiedTheorems: [String: ReplayedTheorem] = [:]

  /// The backward pass as data: `computeGradients` runs its steps, and the model certificate
  /// states that they compute the gradient of the loss (`BackwardSchedule`).
  public let schedule: BackwardSchedule
  /// The model certificate, built with the model: for each parameter, the kernel-checked theorem
  /// that the schedule computes the gradient of the loss. Nil when a node cannot be stated per
  /// example (`modelCertificateGap` says which and why).
  public private(set) var modelCertificate: ModelCertificate?
  /// Why the model has no certificate, when it has none.
  public private(set) var modelCertificateGap: String?
  /// The schedule's steps as the trainer runs them, over `cotangents` (`BackwardPlan`).
  private let backwardPlan: [BackwardPlan.Step]
  private let lossSlot: Int
  private var cotangents: [UnsafeMatrix<Float>?]
  /// The values each layer reads (0 the input, `k + 1` layer `k`'s output), and the values of the
  /// last forward pass.
  private let sources: [[Int]]
  private var values: [UnsafeMatrix<Float>?]
  /// The layers that read two values (`add`, `mul`), by position.
  private let binaryKernels: [(any BinaryLayerKernels)?]
  /// Where the contributions to a value read more than once are added up, by cotangent slot.
  private var sumSpace: [Workspace<Float>?]

  /// The largest batch the workspaces currently hold.
  public private(set) var batchCapacity = 0
  /// When set, told the time of each layer's forward and backward and of each fan-out sum, in
  /// nanoseconds (for `TrainBenchmarks --profile`); one nil check per layer when unset.
  package var stepTimer: ((StepPart, _ node: Int, _ nanoseconds: UInt64) -> Void)?
  package enum StepPart { case forward, backward, fanOutSum }

  /// The model of `spec`, initialized from `seed`, over certified rules only.
  /// - Throws: `TrainingError.tooLarge` when the model would not fit in memory (checked before it
  ///   is allocated); `CertificationError` naming the first layer whose rule is not certified;
  ///   `SpecError` at the block's line when a formula layer's rule cannot be derived, proved or run.
  ///
  /// The model certificate is proved here, or, when `modelCertificate` is given (a checkpoint's),
  /// replayed through the kernel against this model's schedule and adopted: a checkpoint's model
  /// is not proved again at every load.
  public convenience init(
    _ spec: ModelSpec, seed: UInt64, certificates store: CertificateStore, modelCertificate carried: ModelCertificate? = nil
  ) throws {
    // Before anything is allocated: a spec can ask for more memory than the machine has.
    try spec.checkMemory(batch: 1)
    self.init(uncheckedSpec: spec, seed: seed)
    // Formula layers have no certificate in the store: they are certified from their formula below.
    let layers = self.layers.map { (name: $0.name, rules: $0 is FormulaLayer ? [] : Sequential.rules(of: $0)) }
      + [(name: "loss", rules: type(of: loss).ruleNames)]
    certifiedTheorems = try RuleCertification.verify(layers, store: store)
    certificateHashes = certifiedTheorems.mapValues(\.sha256)
    var certified: [String: CertifiedFormula] = [:]
    for case let layer as FormulaLayer in self.layers {
      let rule = try certified[layer.spec.text] ?? FormulaCertification.certify(layer.spec)
      certified[layer.spec.text] = rule
      try layer.install(rule)
      certificateHashes[rule.rule] = rule.sha256
    }
    if let carried {
      _ = try carried.verify(against: schedule, formulas: formulaBlocks)
      modelCertificate = carried
      return
    }
    if let gap = ModelCertificate.gap(of: schedule, formulas: formulaBlocks) {
      modelCertificateGap = "no model certificate built with the model: \(gap)"
      return
    }
    try proveModelCertificate()
  }

  /// Proves the model certificate of a model built without one because a node's proof takes
  /// seconds (`ModelCertificate.Gap.onRequest`), or of any model that has none: on success it is
  /// the model's (and a checkpoint of it carries it).
  /// - Throws: `ModelCertificateError.miswired` when a theorem is refuted (the schedule is not the
  ///   gradient); a theorem not proved, or a node not stated, leaves the gap, saying why.
  public func proveModelCertificate() throws {
    guard modelCertificate == nil else { return }
    do {
      modelCertificate = try ModelCertificate.prove(schedule, formulas: formulaBlocks)
      modelCertificateGap = nil
    } catch let error as ModelCertificateError {
      // A node the per-example statement cannot state (batch norm), or a theorem the engine did
      // not prove without refuting it, leaves the model without one (and says why); a refuted
      // theorem (a wiring that is not the gradient) refuses the model.
      switch error {
      case .unsupported, .unstated, .notProved: modelCertificateGap = error.description
      default: throw error
      }
    }
  }

  /// Each formula layer's block with its certified rule (`vjp` line), by name: what the model
  /// statement instantiates for it.
  public var formulaBlocks: [String: String] {
    var blocks: [String: String] = [:]
    for case let layer as FormulaLayer in layers {
      guard let certified = layer.certified else { continue }
      blocks[layer.block] = layer.spec.text + (certified.derived ? "\n  " + certified.ruleText : "")
    }
    return blocks
  }

  /// The same model without the certificate check: only for checking a checkpoint's shapes
  /// against its spec and for the module's own tests; nothing built this way is trained or run.
  init(uncheckedSpec spec: ModelSpec, seed: UInt64) {
    self.spec = spec
    var random = RandomSource(seed: seed)
    var counts: [String: Int] = [:]
    var layers: [any LayerKernels] = []
    var shapes = [spec.inputShape]
    // The image a vector was flattened from, per value, kept through elementwise layers: a dense
    // layer reading it is certified on the image's indices (`DenseOverImage`).
    var flattenedImages: [[Int]?] = [nil]
    let sources = spec.layers.indices.map(spec.sources(of:))
    for (position, layerSpec) in spec.layers.enumerated() {
      let next = position + 1 < spec.layers.count ? spec.layers[position + 1] : nil
      let read = sources[position][0]
      let layer = Sequential.makeLayer(
        layerSpec, input: shapes[read], flattenedImage: flattenedImages[read], counts: &counts, followedBy: next,
        seed: RandomSource.mix(seed ^ UInt64(position + 1)), random: &random)
      layers.append(layer)
      switch layerSpec {
      case .flatten: flattenedImages.append(shapes[read])
      case .relu, .sigmoid, .tanh, .dropout, .batchnorm: flattenedImages.append(flattenedImages[read])
      default: flattenedImages.append(nil)
      }
      shapes.append(layer.outputShape)
    }
    let width = shapes.last!.reduce(1, *)
    Sequential.fuseRectifiers(layers, sources: sources)
    self.kernels = layers
    self.layers = layers
    self.sources = sources
    values = Array(repeating: nil, count: layers.count + 1)
    binaryKernels = layers.map { $0 as? any BinaryLayerKernels }
    let lossBlock = spec.loss.rawValue
    let chainLayers = layers.map { layer in
      BackwardSchedule.ChainLayer(name: layer.name, block: (layer as? FormulaLayer)?.block ?? type(of: layer).certifiedBlock,
                                  gradients: layer.parameters.map { .init(rule: $0.rule, parameter: $0.name) })
    }
    schedule = spec.isSequence ? .chain(chainLayers, loss: lossBlock) : .graph(chainLayers, reads: sources, loss: lossBlock)
    let plan = BackwardPlan(schedule)
    (backwardPlan, lossSlot) = (plan.steps, plan.lossSlot)
    cotangents = Array(repeating: nil, count: plan.slotCount)
    sumSpace = (0..<plan.slotCount).map { slot in
      plan.steps.contains { $0.read == slot && $0.sum != nil } ? Workspace(columns: layers[plan.steps.first { $0.read == slot }!.node].outputWidth) : nil
    }
    switch spec.loss {
    case .softmaxCrossEntropy: lossKernels = SoftmaxCrossEntropy(width: width)
    case .mse: lossKernels = MeanSquaredError(width: width)
    }
    loss = lossKernels
  }

  /// Builds the layer for one spec statement: the one place a new layer kind is wired in.
  static func makeLayer(
    _ spec: LayerSpec, input: [Int], flattenedImage: [Int]?, counts: inout [String: Int], followedBy next: LayerSpec?,
    seed: UInt64, random: inout RandomSource
  ) -> any LayerKernels {
    func name(_ kind: String) -> String {
      counts[kind, default: 0] += 1
      return kind + String(counts[kind]!)
    }
    let inputWidth = input.reduce(1, *)
    // He before a relu (or a batch norm and then a relu), Glorot otherwise.
    let scheme: Initialization = next == .relu || next == .batchnorm ? .he : .glorot
    switch spec {
    case .dense(let units):
      let dense = flattenedImage.map { DenseOverImage(name: name("dense"), image: $0, outputWidth: units) }
        ?? Dense(name: name("dense"), inputWidth: inputWidth, outputWidth: units)
      dense.initialize(scheme, using: &random)
      return dense
    case let .conv2d(channels, kernel, stride, padding):
      let kind: Conv2D.Type = stride == 2 ? Conv2DStride2.self : Conv2D.self
      let conv = kind.init(name: name("conv2d"), input: input, channels: channels, kernel: kernel, padding: padding)
      conv.initialize(scheme, using: &random)
      return conv
    case let .depthwiseConv2d(kernel, stride, padding):
      let kind: DepthwiseConv2D.Type = stride == 2 ? DepthwiseConv2DStride2.self : DepthwiseConv2D.self
      let conv = kind.init(name: name("depthwise_conv2d"), input: input, kernel: kernel, padding: padding)
      conv.initialize(scheme, using: &random)
      return conv
    case let .maxpool(kernel, stride):
      // The shape check refused any (kernel, stride) without a certified rule.
      return MaxPool.kind(kernel: kernel, stride: stride)!.init(name: name("maxpool"), input: input)
    case let .avgpool(kernel, stride):
      let kind: AvgPool.Type = stride == 2 ? AvgPoolStride2.self : AvgPool.self
      return kind.init(name: name("avgpool"), input: input, kernel: kernel)
    case .globalAvgpool: return GlobalAvgPool(name: name("global_avgpool"), input: input)
    case .flatten: return Flatten(name: name("flatten"), input: input)
    case .batchnorm: return BatchNorm(name: name("batchnorm"), input: input)
    case .relu: return ReLU(name: name("relu"), width: inputWidth, shape: input)
    case .sigmoid: return Sigmoid(name: name("sigmoid"), width: inputWidth, shape: input)
    case .tanh: return Tanh(name: name("tanh"), width: inputWidth, shape: input)
    case .dropout(let keep):
      return Dropout(name: name("dropout"), width: inputWidth, keepProbability: Float(keep), seed: seed, shape: input)
    case .formula(let formula):
      return FormulaLayer(name: name(formula.name), spec: formula, inputWidth: inputWidth)
    case .denseTokens(let units):
      let dense = DenseTokens(name: name("dense"), input: input, units: units)
      dense.initialize(scheme, using: &random)
      return dense
    case .layernorm: return LayerNorm(name: name("layernorm"), input: input)
    case .softmax: return Softmax(name: name("softmax"), input: input)
    case .gelu: return GELU(name: name("gelu"), input: input)
    case .geluTanh: return GELUTanh(name: name("gelu_tanh"), input: input)
    case .attentionHeads(let heads): return AttentionHeads(name: name("attention"), input: input, heads: heads)
    case .positionEmbedding:
      let embedding = PositionEmbedding(name: name("position_embedding"), input: input)
      embedding.initialize(using: &random)
      return embedding
    case .tokenMeanpool: return TokenMeanPool(name: name("token_meanpool"), input: input)
    case let .patchEmbed(units, patch):
      let embed = PatchEmbed.kind(patch: patch)!.init(name: name("patch_embed"), input: input, units: units)
      embed.initialize(scheme, using: &random)
      return embed
    case .add: return Add(name: name("add"), shape: input)
    case .mul: return Mul(name: name("mul"), shape: input)
    }
  }

  // MARK: - Description

  public var inputWidth: Int { spec.inputWidth }
  public var inputShape: [Int] { spec.inputShape }
  public var outputWidth: Int { loss.width }

  /// Every trainable tensor, layer by layer.
  public var parameters: [Parameter] { layers.flatMap(\.parameters) }

  /// What a checkpoint stores, layer by layer: each layer's parameters, then its statistics.
  public var storedTensors: [Parameter] { layers.flatMap { $0.parameters + $0.statistics } }

  /// The certified rules a built-in layer runs: its block's, and for batch norm the evaluation
  /// form's as well (it runs that form at evaluation).
  static func rules(of layer: any Layer) -> [String] {
    type(of: layer).ruleNames + (layer is BatchNorm ? BatchNormEvaluation.ruleNames : [])
  }

  /// The certified blocks the model runs, each once, in order of first use (the loss last); a
  /// formula layer's block is its own name (`swish`).
  public var certifiedBlocks: [String] {
    var seen: Set<String> = []
    return (layers.map { ($0 as? FormulaLayer)?.block ?? type(of: $0).certifiedBlock } + [type(of: loss).certifiedBlock])
      .filter { seen.insert($0).inserted }
  }

  /// The rules of those blocks: the certificates a model needs (a formula layer's rule, `swish.x`,
  /// is certified when the model is built).
  public var ruleNames: [String] {
    var seen: Set<String> = []
    return (layers.flatMap { ($0 as? FormulaLayer).map { [$0.rule] } ?? Sequential.rules(of: $0) } + type(of: loss).ruleNames)
      .filter { seen.insert($0).inserted }
  }

  /// Per relu layer, the training inputs that were exactly 0 since the last `resetKinks()`:
  /// where the trainer used `relu'(0) = 0`, outside the certified rule's side condition. Per
  /// formula layer whose rule has hypotheses (`assume` lines), the examples and points where one
  /// failed on a training batch.
  public var kinks: [String: Int] {
    var result: [String: Int] = [:]
    for case let relu as ReLU in layers { result[relu.name] = relu.kinks }
    for case let pool as MaxPool in layers { result[pool.name] = pool.ties }
    for case let formula as FormulaLayer in layers where formula.parts?.hypotheses.isEmpty == false {
      result[formula.name] = formula.kinks
    }
    return result
  }

  /// For each layer of `kinks`, what the trainer does where the side condition fails.
  public var kinkHandling: [String: String] {
    var result: [String: String] = [:]
    for case let relu as ReLU in layers { result[relu.name] = "relu'(0) = 0: no gradient passes an input that is exactly 0" }
    for case let pool as MaxPool in layers {
      result[pool.name] = "the window's gradient goes to its first maximum in row-major order (a subgradient)"
    }
    for case let formula as FormulaLayer in layers where formula.parts?.hypotheses.isEmpty == false {
      result[formula.name] = "the rule's formula evaluated as written (step(0) = 0)"
    }
    return result
  }

  public func resetKinks() {
    for case let relu as ReLU in layers { relu.resetKinks() }
    for case let pool as MaxPool in layers { pool.resetKinks() }
    for case let formula as FormulaLayer in layers { formula.resetKinks() }
  }

  // MARK: - Running

  /// Sizes every workspace for batches of up to `capacity` examples (grows only).
  public func reserve(batchCapacity capacity: Int) {
    guard capacity > batchCapacity else { return }
    for layer in kernels { layer.reserve(batchCapacity: capacity) }
    for slot in sumSpace.indices { sumSpace[slot]?.reserve(rows: capacity) }
    lossKernels.reserve(batchCapacity: capacity)
    batchCapacity = capacity
  }

  /// The model's output for a `[B, inputWidth]` batch (a view of the last layer's workspace).
  public func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    precondition(input.columns == inputWidth, "\(input.columns) input features, the model takes \(inputWidth)")
    reserve(batchCapacity: input.rows)
    values[0] = input
    for (k, layer) in kernels.enumerated() {
      let reads = sources[k]
      let start = stepTimer == nil ? 0 : DispatchTime.now().uptimeNanoseconds
      defer { stepTimer?(.forward, k, DispatchTime.now().uptimeNanoseconds - start) }
      if let binary = binaryKernels[k] {
        values[k + 1] = binary.forward(values[reads[0]]!, values[reads[1]]!, training: training)
      } else {
        values[k + 1] = layer.forward(values[reads[0]]!, training: training)
      }
    }
    return values[kernels.count]!
  }

  /// One training pass: forward, loss, backward. Leaves every parameter's gradient of the
  /// batch-mean loss in `Parameter.gradient` and returns that loss. The backward pass stops at the
  /// first layer with parameters, whose input gradient it does not compute.
  public func computeGradients(_ input: UnsafeMatrix<Float>, labels: UnsafeBufferPointer<Int32>) -> Double {
    computeGradients(input, labels: labels, meanOver: input.rows)
  }

  /// `computeGradients` on part of a batch of `count` examples: the loss summed over the part and
  /// divided by `count`, so that the gradient rows of the part are those of the whole batch
  /// (`ChunkedSteps`).
  func computeGradients(_ input: UnsafeMatrix<Float>, labels: UnsafeBufferPointer<Int32>, meanOver count: Int) -> Double {
    let output = forward(input, training: true)
    let (value, gradient) = lossKernels.evaluate(output, labels: labels, withGradient: true, meanOver: count)
    cotangents[lossSlot] = gradient!
    // The schedule's steps: below the first layer with parameters there are none (the input is data).
    for step in backwardPlan {
      var start = stepTimer == nil ? 0 : DispatchTime.now().uptimeNanoseconds
      if let terms = step.sum {
        // A fan-out: the value's cotangent is the sum of its readers' contributions.
        let total = sumSpace[step.read]!.matrix(rows: output.rows)
        BackwardPlan.add(terms.map { cotangents[$0]! }, into: total)
        cotangents[step.read] = total
        if let stepTimer {
          let now = DispatchTime.now().uptimeNanoseconds
          stepTimer(.fanOutSum, step.read, now - start)
          start = now
        }
      }
      defer { stepTimer?(.backward, step.node, DispatchTime.now().uptimeNanoseconds - start) }
      let dy = cotangents[step.read]!
      if let binary = binaryKernels[step.node] {
        let (dx, dz) = binary.backward(dy, needs: (step.writes[0] != nil, step.writes[1] != nil))
        if let write = step.writes[0] { cotangents[write] = dx! }
        if let write = step.writes[1] { cotangents[write] = dz! }
      } else {
        let next = kernels[step.node].backward(dy, needsInputGradient: step.writes[0] != nil)
        if let write = step.writes[0], let next { cotangents[write] = next }
      }
    }
    return value
  }

  /// The batch-mean loss and the predicted class (the largest output) of each example.
  public func evaluate(
    _ input: UnsafeMatrix<Float>, labels: UnsafeBufferPointer<Int32>, predictions: UnsafeMutableBufferPointer<Int32>
  ) -> Double {
    let output = forward(input, training: false)
    for r in 0..<output.rows {
      let row = output.row(r)
      var best = 0
      for c in 1..<output.columns where row[c] > row[best] { best = c }
      predictions[r] = Int32(best)
    }
    return lossKernels.evaluate(output, labels: labels, withGradient: false).loss
  }
}
