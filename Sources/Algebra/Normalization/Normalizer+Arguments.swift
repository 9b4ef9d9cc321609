internal import ProofKernel

// Function arguments normalized once per derivation (Docs/Engine.md, "Strategy"): max pooling's
// derivative writes the same nested `relu` arguments in every term, and normalizing each in place
// repeated the same steps on the whole term each time.

extension Normalizer {
  /// A function argument as written, with the settings that decide its normal form.
  struct ArgumentKey: Hashable {
    var builder: ObjectIdentifier
    var argument: Term
    var foldsPowers: Bool
    var unfoldsDefinitions: Bool
  }

  /// Normalizes a function's argument at `p`: proved once per argument (`argumentProofs`) and
  /// rewritten in place by `cong`.
  mutating func normalizeArgument(_ chain: inout Chain, at p: [Int]) throws {
    let argument = try chain.subterm(at: p)
    let key = ArgumentKey(builder: ObjectIdentifier(chain.builder), argument: argument, foldsPowers: foldsPowers,
                          unfoldsDefinitions: unfoldsDefinitions)
    let step: Int
    if let known = argumentProofs[key], known.builder === chain.builder {
      step = known.step
    } else {
      var side = try chain.builder.start(argument)
      _ = try normalize(&side, at: [])
      step = side.step
      argumentProofs[key] = (chain.builder, step)
    }
    if chain.builder.theorem(step).rhs != argument { try chain.rewrite(at: p, by: step) }
  }
}
