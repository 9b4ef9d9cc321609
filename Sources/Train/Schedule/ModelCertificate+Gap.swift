/// Why a model is built without its model certificate, decided once from its schedule, so that
/// the model, a checkpoint and the commands say the same.
extension ModelCertificate {
  public enum Gap: Sendable, Equatable, CustomStringConvertible {
    /// A formula layer (by node name): its own rule is certified, but a user's formula can make
    /// the chain-rule proof arbitrarily slow (a guarded cumulative sum took minutes).
    case formulaLayer(String)
    /// Convolution, pooling, batch norm and transformer nodes only (the first named): seconds in
    /// a release build (Models/cnn_bn.spec 2 s, Models/vit.spec 6 s), a minute or more in a debug
    /// one, too long for every model build; `certify train` proves it before training
    /// (`Sequential.proveModelCertificate`), the library on request.
    case onRequest(node: String)
    /// An elementwise product `mul` (its gate doubles the paths the chain rule follows), or a
    /// batch norm in a residual network (proved layer by layer, but Models/resnet.spec takes
    /// about 8 s in a release build, session 18): tried only on request.
    case slow(node: String, block: String)

    public var description: String {
      switch self {
      case .formulaLayer(let node):
        "layer \(node) is a formula layer, whose chain-rule proof time depends on its formula; ModelCertificate.prove(model.schedule, formulas: model.formulaBlocks) builds it on request"
      case .onRequest(let node):
        "node \(node) is a convolution, pooling, batch norm or transformer layer, whose chain-rule proof takes seconds, too long for every model build; proveModelCertificate() builds it (certify train does, before training)"
      case .slow(let node, let block):
        "node \(node) is "
          + (block == "mul"
            ? "an elementwise product, whose chain-rule proof takes minutes"
            : "a batch norm layer in a residual network, stated over the batch; its chain-rule proof goes layer by layer but takes about 8 s (Models/resnet.spec, release build)")
          + "; ModelCertificate.prove(model.schedule) tries it on request"
      }
    }
  }

  /// Why `schedule`'s model is built without its certificate, or nil when it is built with it.
  /// `formulas` are the model's formula blocks (`Sequential.formulaBlocks`), by block name.
  public static func gap(of schedule: BackwardSchedule, formulas: [String: String] = [:]) -> Gap? {
    if let formula = schedule.nodes.first(where: { formulas[$0.block] != nil }) { return .formulaLayer(formula.name) }
    var first: BackwardSchedule.Node?
    // Batch norm is proved layer by layer in seconds, as a convolution, except in a residual
    // network; a transformer's blocks too (Models/vit.spec, session 18).
    let residual = schedule.nodes.contains { $0.block == "add" }
    for node in schedule.nodes where slowBlocks.contains(node.block) {
      let onRequest = convolutionBlocks.contains(node.block) || CompiledRules.transformerBlocks[node.block] != nil
        || ModelStatement.batchNativeBlocks.contains(node.block) && !residual
      if !onRequest { return .slow(node: node.name, block: node.block) }
      first = first ?? node
    }
    return first.map { .onRequest(node: $0.name) }
  }

  static var slowBlocks: Set<String> { convolutionBlocks.union(["mul"]).union(ModelStatement.batchNativeBlocks).union(CompiledRules.transformerBlocks.keys) }

  static let convolutionBlocks: Set<String> = [
    "conv2d_s1", "conv2d_s2", "depthwise_conv2d_s1", "depthwise_conv2d_s2", "maxpool2_s2", "maxpool2_s1", "maxpool3_s1",
    "maxpool3_s2", "avgpool_s1", "avgpool_s2", "global_avgpool",
  ]
}
