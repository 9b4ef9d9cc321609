extension ModelSpec {
  /// The transformer layers' statements by keyword (merged into `layerKeywords`); `dense` on
  /// tokens is read by `dense` itself.
  static let transformerLayerKeywords: [String: @Sendable (inout SpecLine) throws -> LayerSpec] = [
    "layernorm": { _ in .layernorm },
    "softmax": { _ in .softmax },
    "gelu": { _ in .gelu },
    "gelu_tanh": { _ in .geluTanh },
    "attention_heads": { line in .attentionHeads(heads: try line.positiveInteger(what: "the number of heads")) },
    "position_embedding": { _ in .positionEmbedding },
    "token_meanpool": { _ in .tokenMeanpool },
    "patch_embed": { line in
      let units = try line.positiveInteger(what: "the token width")
      return .patchEmbed(units: units, patch: try line.positiveInteger(what: "the patch size"))
    },
  ]
}
