public import Certificates
import Dispatch
import Foundation
public import Exact
import Intervals
public import Train

/// The gradient audit (Docs/Audits.md, "Gradient audit"): for one batch, the exact gradient of the
/// batch-mean loss at the Float32 weights and inputs, enclosed in MPFI from the certified formulas;
/// the trainer's own Float32 gradient (`Sequential.computeGradients`) on the same batch; per
/// parameter tensor the largest absolute, relative and ulp error, and whether every entry is within
/// the a priori bound; and interval finite-difference checks of random directional derivatives.
///
/// ```swift
/// let loaded = try GradientAuditModel(contentsOf: "mlp.ckpt", certificates: store)
/// let batch = try GradientBatch(try FashionMNIST.load(.test), size: 128)
/// let report = try GradientAudit(precision: 128).run(loaded.model, on: batch, certificates: store)
/// print(report.table())
/// ```
public struct GradientAudit: Sendable {
  /// MPFI precision in bits (at least 24, so that Float32 values are exact).
  public var precision: Int
  /// Random directions checked by finite differences.
  public var directions: Int
  /// The seed of the first direction (then `seed + 1`, ...).
  public var seed: UInt64
  /// The finite-difference step `h`.
  public var step: Rational
  /// Called with a line of progress at each stage.
  public var progress: (@Sendable (String) -> Void)?
  /// Threads: the batch is split between them, in the enclosure and in the finite-difference passes.
  public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  public init(precision: Int = 128, directions: Int = 3, seed: UInt64 = 1, step: Rational = Rational(1, 1024)) {
    self.precision = precision
    self.directions = directions
    self.seed = seed
    self.step = step
  }

  /// The audit of `model` on `batch`, its rules replayed from `store`.
  /// - Throws: `GradientAuditError` for a rule that does not replay, a formula that cannot be
  ///   planned, weights that are not finite, or a batch that does not fit the model.
  public func run(_ model: Sequential, on batch: GradientBatch, certificates store: CertificateStore) throws(GradientAuditError) -> GradientReport {
    try run(model, on: batch, certificates: store, adjusting: nil)
  }

  /// As `run`, with `adjust` applied to the trainer's Float32 gradients before they are compared
  /// (tests perturb them to see the audit flag it).
  public func run(
    _ model: Sequential, on batch: GradientBatch, certificates store: CertificateStore,
    adjusting adjust: ((inout [[Float]]) -> Void)?
  ) throws(GradientAuditError) -> GradientReport {
    do { try AuditPrecision.check(precision) } catch { throw GradientAuditError.invalidModel(error.description) }
    do { try MemoryBudget.check(GradientAudit.bytes(model, batch: batch.count, precision: precision, threads: threads), for: "the gradient audit at \(precision) bits") } catch {
      throw GradientAuditError.invalidModel(error.description)
    }
    for p in model.parameters where !p.value.scalars.allSatisfy(\.isFinite) {
      throw GradientAuditError.invalidModel("parameter \(p.name) has a value that is not finite")
    }
    let start = DispatchTime.now()
    progress?("replaying \(model.ruleNames.count) certificates")
    var rules: [String: ReplayedRule] = [:]
    for name in model.ruleNames {
      // Replayed when the model was built; a model built otherwise has its rules replayed here.
      let rule: ReplayedRule
      if let replayed = model.certifiedTheorems[name] {
        rule = try ReplayedRule(name: name, theorem: replayed.theorem, sha256: replayed.sha256)
      } else if let formula = model.layers.lazy.compactMap({ $0 as? FormulaLayer }).first(where: { $0.rule == name }),
        let certified = formula.certified
      {
        // A formula layer's rule is certified when the model is built, not stored by name.
        rule = try ReplayedRule(name: name, theorem: certified.theorem, sha256: certified.sha256)
      } else {
        rule = try ReplayedRule.load(name, from: store)
      }
      if let bound = model.certificateHashes[name], bound != rule.sha256 {
        throw GradientAuditError.certificate(rule: name, reason: "the model was built under another certificate")
      }
      rules[name] = rule
    }

    progress?("Float32 gradient (the trainer's computeGradients)")
    var (floatLoss, floats) = try GradientAudit.floatGradients(model, batch)
    adjust?(&floats)

    progress?("enclosing the exact gradient at \(precision) bits: forward")
    let enclosure = try GradientEnclosure<IntervalVector>(model: model, rules: rules, batch: batch, precision: precision, threads: threads)
    try enclosure.forward()
    let loss = try enclosure.meanLoss()
    progress?("enclosing the exact gradient at \(precision) bits: backward")
    try enclosure.backward()
    let enclosed = DispatchTime.now()

    // A layer without a rounding model leaves every tensor unbounded: the errors are measured,
    // and the report says there is no a priori bound rather than give an infinite one.
    var unmodelled = GradientErrorBound.unmodelled(model)
    var bounds: [[Double]]?
    if unmodelled == nil {
      progress?("a priori bounds")
      let found = try GradientErrorBound.bounds(model: model, enclosure: enclosure)
      // Worst cases can compound through a deep chain past any finite value (a transformer's
      // layer norms): then there is no a priori bound, said so, rather than an infinite one.
      if let p = found.indices.first(where: { !found[$0].allSatisfy(\.isFinite) }) {
        unmodelled = "the worst-case rounding bound of \(model.parameters[p].name) is not finite (the layers' error bounds compound through the chain)"
      } else {
        bounds = found
      }
    }
    let tensors = model.parameters.enumerated().map { p, parameter in
      TensorErrors.measure(name: parameter.name, float: floats[p], exact: enclosure.gradients[p], bound: bounds?[p])
    }

    var checks: [DirectionalCheck] = []
    if directions > 0 {
      progress?("\(directions) finite-difference check\(directions == 1 ? "" : "s") in Float64, \(threads) thread\(threads == 1 ? "" : "s")")
      let worker = try GradientEnclosure<DoubleValues>(model: model, rules: rules, batch: batch, precision: 53, threads: threads)
      checks = try DirectionalCheck.run(
        enclosure: enclosure, worker: worker, weights: model.parameters.map(\.value.scalars),
        seeds: (0..<directions).map { seed &+ UInt64($0) }, step: step)
    }
    var kinks: [String: GradientReport.Kinks] = [:], ties: [String: GradientReport.Kinks] = [:]
    for (k, found) in enclosure.kinks {
      let counted = GradientReport.Kinks(exact: found.exact, undecided: found.undecided)
      if model.layers[k] is MaxPool { ties[model.layers[k].name] = counted } else { kinks[model.layers[k].name] = counted }
    }
    if !floatLoss.isFinite { floatLoss = .nan }
    let arrays = GradientEnclosureArrays(
      tensors: model.parameters.enumerated().map { p, parameter in
        let enclosed = (0..<parameter.value.count).map { enclosure.gradients[p].doubleBounds($0) }
        return .init(
          name: parameter.name, shape: parameter.value.shape, lower: enclosed.map { $0.lower }, upper: enclosed.map { $0.upper },
          float: floats[p], bound: bounds?[p], value: parameter.value.scalars)
      },
      inputs: batch.features, width: batch.width, labels: batch.labels)
    return GradientReport(
      batch: batch.count, precision: precision, tensors: tensors, kinks: kinks, ties: ties, unbounded: unmodelled, checks: checks,
      loss: loss, floatLoss: floatLoss,
      encloseSeconds: seconds(start, enclosed), totalSeconds: seconds(start, DispatchTime.now()), arrays: arrays)
  }

  /// An upper bound of the MPFI memory of the enclosure: per example each layer's output and seed
  /// and the targets, per parameter its value and gradient and a partial gradient per extra
  /// thread, and as much again for the formulas' registers and the bounds. Nil when it overflows.
  static func bytes(_ model: Sequential, batch: Int, precision: Int, threads: Int = 1) -> Int? {
    let widths = [model.inputWidth] + model.layers.map(\.outputWidth)
    let perExample = MemoryBudget.sum(widths.map { MemoryBudget.product($0, 2) } + [model.outputWidth])
    let perParameter = 1 + max(1, min(threads, batch))
    let parameters = MemoryBudget.sum(model.parameters.map { MemoryBudget.product($0.value.count, perParameter) })
    let intervals = MemoryBudget.sum([perExample.flatMap { MemoryBudget.product($0, batch) }, parameters])
    return intervals.flatMap { MemoryBudget.product($0, 2, AuditPrecision.bytesPerInterval(precision)) }
  }

  /// The trainer's Float32 gradient of the batch-mean loss (`computeGradients`, plain gradients:
  /// no accumulation), and its loss.
  static func floatGradients(_ model: Sequential, _ batch: GradientBatch) throws(GradientAuditError) -> (Double, [[Float]]) {
    guard batch.width == model.inputWidth else {
      throw GradientAuditError.data("examples have \(batch.width) features, the model takes \(model.inputWidth)")
    }
    if let bad = batch.labels.first(where: { $0 < 0 || Int($0) >= model.outputWidth }) {
      throw GradientAuditError.data("label \(bad) is outside 0..<\(model.outputWidth)")
    }
    for p in model.parameters { p.accumulatesGradient = false }
    var features = batch.features
    let loss = features.withUnsafeMutableBufferPointer { x in
      batch.labels.withUnsafeBufferPointer { labels in
        model.computeGradients(UnsafeMatrix(x.baseAddress!, rows: batch.count, columns: batch.width), labels: labels)
      }
    }
    return (loss, model.parameters.map(\.gradient.scalars))
  }
}

private func seconds(_ a: DispatchTime, _ b: DispatchTime) -> Double {
  Double(b.uptimeNanoseconds - a.uptimeNanoseconds) / 1e9
}
