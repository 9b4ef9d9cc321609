import ProofKernel

extension Checkpoint {
  /// The rule set the carried model certificate was written for, when it is not the kernel's
  /// (`Derivation.ruleSetVersion`): such a certificate cannot replay, and `makeModel` builds the
  /// model's own in its place, as for a checkpoint that carries none. Nil when current or absent.
  public var supersededModelCertificateRuleSet: String? {
    modelCertificate.map(\.derivation.ruleSetVersion).flatMap { $0 != Derivation.ruleSetVersion ? $0 : nil }
  }

  /// The carried model certificate when the kernel can replay it.
  var currentModelCertificate: ModelCertificate? {
    supersededModelCertificateRuleSet == nil ? modelCertificate : nil
  }

  /// The backward schedule of the checkpoint's spec and its formula layers' blocks (each with its
  /// certified rule, derived again here as when the model is built).
  func schedule() throws -> (BackwardSchedule, formulas: [String: String]) {
    let model = Sequential(uncheckedSpec: spec, seed: 0)
    var formulas: [String: String] = [:]
    for case let layer as FormulaLayer in model.layers where formulas[layer.block] == nil {
      let rule = try FormulaCertification.certify(layer.spec)
      formulas[layer.block] = layer.spec.text + (rule.derived ? "\n  " + rule.ruleText : "")
    }
    return (model.schedule, formulas)
  }

  /// Replays the checkpoint's model certificate through the kernel and compares it with the
  /// statement of its spec's schedule (`certify check --model`, the audits' loaders).
  /// - Throws: `ModelCertificateError.missing` when the checkpoint carries none (saying why the
  ///   spec's model has none, if it has none); `.rejected` naming the parameter or the part of the
  ///   statement at fault.
  public func checkModelCertificate() throws -> ModelCertificate.Check {
    let (schedule, formulas) = try schedule()
    return try checkModelCertificate(schedule, formulas: formulas, stated: { try ModelCertificate.Stated(schedule, formulas: formulas) })
  }

  /// `checkModelCertificate()` of the schedule and formula blocks of the spec, with the statement
  /// `stated` gives (called only where it is compared with a certificate).
  func checkModelCertificate(_ schedule: BackwardSchedule, formulas: [String: String], stated: () throws -> ModelCertificate.Stated) throws -> ModelCertificate.Check {
    if let old = supersededModelCertificateFormat {
      throw ModelCertificateError.missing("the checkpoint's model certificate is in format \(old), and this program reads \(ModelCertificate.format) (one is built when the model is loaded)")
    }
    if let old = supersededModelCertificateRuleSet {
      throw ModelCertificateError.missing("the checkpoint's model certificate was written for rule set \(old), and this kernel replays \(Derivation.ruleSetVersion) (one is built when the model is loaded)")
    }
    guard let modelCertificate else {
      // Say whether the spec's model can have one (then the checkpoint predates them).
      do {
        _ = try ModelStatement(schedule, blocks: { try BlockText.named($0, formulas: formulas) })
        if let gap = ModelCertificate.gap(of: schedule, formulas: formulas) {
          throw ModelCertificateError.missing("the checkpoint carries no model certificate, and its model has none built with it: \(gap)")
        }
        throw ModelCertificateError.missing("the checkpoint carries no model certificate (written before model certificates; one is built when the model is loaded)")
      } catch let error as ModelCertificateError {
        if case .missing = error { throw error }
        throw ModelCertificateError.missing("the checkpoint carries no model certificate: \(error)")
      }
    }
    return try modelCertificate.verify(try stated())
  }

  /// Reads the checkpoint at `path`, then replays its model certificate as
  /// `checkModelCertificate()` does (the work of `certify check --model`). The spec's schedule
  /// and statement are written on another thread while the model certificate is decoded: neither
  /// needs the other, and reading the certificate's JSON and definitions keeps only one busy.
  /// - Returns: the check, or the error `checkModelCertificate()` throws.
  /// - Throws: what `Checkpoint(contentsOf:)` throws, for a file that is not a good checkpoint.
  public static func checkModelCertificate(contentsOf path: String) throws -> Result<ModelCertificate.Check, any Error> {
    let pending = try CheckpointFormat.decodeAllButModelCertificate(try bytes(of: path), path: path)
    let stating = Background { [checkpoint = pending.checkpoint] in
      let (schedule, formulas) = try checkpoint.schedule()
      return (schedule, formulas, Result { try ModelCertificate.Stated(schedule, formulas: formulas) })
    }
    let checkpoint = try pending.finish()
    return Result {
      let (schedule, formulas, stated) = try stating.value()
      return try checkpoint.checkModelCertificate(schedule, formulas: formulas, stated: { try stated.get() })
    }
  }
}
