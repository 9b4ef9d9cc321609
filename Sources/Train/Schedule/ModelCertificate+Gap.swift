/// Why a model is built without its model certificate, decided once from its schedule, so that
/// the model, a checkpoint and the commands say the same.
extension ModelCertificate {
  public enum Gap: Sendable, Equatable, CustomStringConvertible {
    /// A formula layer (by node name): its own rule is certified, but a user's formula can make
    /// the chain-rule proof arbitrarily slow (a guarded cumulative sum took minutes).
    case formulaLayer(String)
    /// Convolution, pooling, batch norm (in a residual network too) and transformer nodes only
    /// (the first named): seconds in a release build (Models/cnn_bn.spec 0.8 s, Models/vit.spec 1.2 s,
    /// Models/resnet.spec 2.5 s), a minute or more in a debug one, too long for every model build;
    /// `certify train` proves it before training (`Sequential.proveModelCertificate`), the library
    /// on request.
    case onRequest(node: String)
    /// An elementwise product `mul` (its gate doubles the paths the chain rule follows): tried only
    /// on request.
    case slow(node: String, block: String)

    public var description: String {
      switch self {
      case .formulaLayer(let node):
        "layer \(node) is a formula layer, whose chain-rule proof time depends on its formula; ModelCertificate.prove(model.schedule, formulas: model.formulaBlocks) builds it on request"
      case .onRequest(let node):
        "node \(node) is a convolution, pooling, batch norm or transformer layer, whose chain-rule proof takes seconds, too long for every model build; proveModelCertificate() builds it (certify train does, before training)"
      case .slow(let node, let block):
        "node \(node) is an elementwise product (\(block)), whose chain-rule proof takes minutes; ModelCertificate.prove(model.schedule) tries it on request"
      }
    }
  }

  /// Why `schedule`'s model is built without its certificate, or nil when it is built with it.
  /// `formulas` are the model's formula blocks (`Sequential.formulaBlocks`), by block name.
  public static func gap(of schedule: BackwardSchedule, formulas: [String: String] = [:]) -> Gap? {
    if let formula = schedule.nodes.first(where: { formulas[$0.block] != nil }) { return .formulaLayer(formula.name) }
    var first: BackwardSchedule.Node?
    // Every slow block but `mul` is proved layer by layer in seconds (release): convolutions,
    // batch norm (in a residual network too, session 18) and a transformer's blocks.
    for node in schedule.nodes where slowBlocks.contains(node.block) {
      if node.block == "mul" { return .slow(node: node.name, block: node.block) }
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
