import Foundation
import Intervals
import Train

/// The a priori bound on how far the trainer's Float32 gradient can be from the exact one
/// (Docs/Audits.md, "Gradient audit: the bound").
///
/// Rounding model (binary32, round to nearest, no flush to zero): `fl(a ∘ b) = (a ∘ b)(1 + δ) + e`
/// with `|δ| ≤ u = 2^-24`, `|e| ≤ η/2`, `η = 2^-149`, `e = 0` for sums. A dot product of `n` terms
/// in any order, blocking, threading, fused or not: `|fl(s) − s| ≤ γ_n Σ|x_j y_j| + τ_n`,
/// `γ_n = n u / (1 − n u)`, `τ_n = 2 n η` (Higham, Lemma 3.1, plus underflow). `expf`, `logf`,
/// `tanhf` (trusted): within 4 ulps, so relative error `κ = 2^-21` plus `4η` where the result is
/// subnormal.
///
/// The bound runs through the chain with, for every intermediate tensor `v`, an upper bound `E_v`
/// on `|v̂ − v|` entrywise, where `v̂` is whatever the Float32 computation produced and `v` the exact
/// value at the same Float32 weights and inputs (enclosed by `GradientEnclosure`). Each step bounds
/// its own rounding in terms of its operands (`|v̂| ≤ |v| + E_v`, with `|v|` from the enclosure) and
/// adds the propagated error of its Float32 operands. Nothing reads the trainer's intermediate
/// values: the bound holds for every run of the kernels, whatever order BLAS sums in.
///
/// All bounds are computed in Double on non-negative numbers; each stage's result is multiplied by
/// `1 + 2^-20`, which covers its Double roundings (fewer than `2^20` in sequence, each at most
/// `2^-53` relative, and no Double underflow at these magnitudes).
struct GradientErrorBound {
  static let u = 0x1p-24
  static let eta = 0x1p-149
  static let libmRelative = 0x1p-21
  static let libmAbsolute = 4 * 0x1p-149
  static let safety = 1 + 0x1p-20

  static func gamma(_ n: Int) -> Double {
    let nu = Double(n) * u
    return (nu / (1 - nu)).nextUp
  }

  static func tau(_ n: Int) -> Double { 2 * Double(n) * eta }

  /// The largest of upper bounds, `+∞` if any is NaN. Swift's `max` drops a NaN that comes second
  /// (`max(0, .nan)` is 0, `[1, .nan].max()` is 1), and a bound turns NaN when it has overflowed
  /// (`∞ − ∞`, `0 · ∞`): it must stay unbounded, never become the largest of the others.
  static func largest(_ values: some Sequence<Double>) -> Double {
    var result = -Double.infinity
    for v in values {
      if v.isNaN { return .infinity }
      if v > result { result = v }
    }
    return result
  }

  static func largest(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .infinity : max(a, b) }

  /// The layer (position, name) that has no floating-point error model, if any: the audit refuses
  /// such a model before it starts rather than claim nothing about it. In a graph, also a value
  /// read by more than two layers (its cotangents' Float32 sum is modelled for two).
  static func unmodelled(_ model: Sequential) -> String? {
    // Every such layer is named (a ViT has a dozen): each is a reason on its own.
    let missing = model.layers.indices.filter { !(model.layers[$0] is any GradientErrorModel || model.layers[$0] is any BinaryGradientErrorModel) }
    if missing.count == 1 { return "layer \(missing[0] + 1) (\(model.layers[missing[0]].name)) has no floating-point error model" }
    if !missing.isEmpty {
      return "layers " + missing.map { "\($0 + 1) (\(model.layers[$0].name))" }.joined(separator: ", ") + " have no floating-point error model"
    }
    let uses = model.spec.graph?.uses(values: model.layers.count + 1) ?? []
    if let v = uses.indices.first(where: { uses[$0] > 2 }) {
      return "value \(model.spec.graph!.name(of: v)) is read \(uses[v]) times: the Float32 sum of more than two cotangents has no error model"
    }
    return model.loss is any LossErrorModel ? nil : "the loss \(type(of: model.loss).certifiedBlock) has no floating-point error model"
  }

  /// Per parameter (the model's order), the bound of each gradient entry: the layers' error models
  /// run forward, then the loss's, then backward. In a graph each layer reads its own values
  /// (`ErrorPropagation.reading`), and a value read twice gets its contributions' sum
  /// (`fanOutError`). With `normwise`, each value's rows also carry ℓ2 bounds (`NormwiseErrorModel`),
  /// each bound tightened by the other; without, the entrywise models alone (for comparison).
  /// - Throws: `GradientAuditError.invalidModel` naming a layer without an error model.
  static func bounds(model: Sequential, enclosure e: GradientEnclosure<IntervalVector>, normwise: Bool = true) throws(GradientAuditError) -> [[Double]] {
    if let reason = unmodelled(model) { throw .invalidModel(reason) }
    let sources = e.sources, rows = Normwise.rowLengths(model)
    var p = ErrorPropagation(e)
    p.norms = [Normwise.rowNorms(p.errors[0], row: rows[0])]
    for k in model.layers.indices { forwardStep(model, k, sources: sources[k], rows: rows, normwise: normwise, &p) }
    // Per value, the error bounds of the contributions to its cotangent (the loss's to the last).
    var contributions = Array(repeating: [RowErrors](), count: model.layers.count + 1)
    let seed = (model.loss as! any LossErrorModel).seedError(logits: p.errors.last!, p)
    contributions[model.layers.count] = [RowErrors(seed, row: rows.last!)]

    var parameterBounds = [[Double]?](repeating: nil, count: model.parameters.count)
    var parameterIndex: [ObjectIdentifier: Int] = [:]
    for (index, parameter) in model.parameters.enumerated() { parameterIndex[ObjectIdentifier(parameter)] = index }
    for k in stride(from: model.layers.count - 1, through: 0, by: -1) where e.needsGradient[k + 1] {
      let dy = fanOutError(contributions[k + 1], sum: p.seedMagnitudes[k])
      let reads = sources[k]
      if let binary = model.layers[k] as? any BinaryGradientErrorModel {
        let (dx, dz) = binary.backwardError(at: k, x: reads[0], z: reads[1], dy: dy.entries, p)
        // `add` passes copies, norms and all; another binary layer's norms come from its entries.
        let copies = binary is Add
        for (v, bound) in zip(reads, [dx, dz]) where e.needsGradient[v] {
          contributions[v].append(RowErrors(bound, row: rows[v], model: copies && normwise ? dy.norms : nil))
        }
        continue
      }
      let layer = model.layers[k] as! any GradientErrorModel
      let view = p.reading(reads[0], at: k)
      let needsInput = e.needsGradient[reads[0]]
      let (dx, gradients) = layer.backwardError(at: k, dy: dy.entries, needsInput: needsInput, view)
      for (parameter, bound) in zip(layer.parameters, gradients) { parameterBounds[parameterIndex[ObjectIdentifier(parameter)]!] = bound }
      if needsInput {
        let norms = !normwise ? nil : (layer as? any NormwiseErrorModel)?.backwardNorms(at: k, dy: dy.entries, dyNorms: dy.norms, view)
        contributions[reads[0]].append(RowErrors(dx, row: rows[reads[0]], model: norms))
      }
    }
    return try complete(parameterBounds, model)
  }

  /// Layer `k`'s forward error bounds, entrywise and per row, appended to `p` (`sources` the values
  /// it reads, `rows` the models' row lengths): each tightened by the other (`RowErrors`).
  static func forwardStep(_ model: Sequential, _ k: Int, sources: [Int], rows: [Int], normwise: Bool = true, _ p: inout ErrorPropagation) {
    let layer = model.layers[k]
    let step: RowErrors
    if let binary = layer as? any BinaryGradientErrorModel {
      let entries = binary.forwardError(at: k, x: sources[0], z: sources[1], p)
      let norms = !normwise ? nil : (layer as? any NormwiseBinaryErrorModel)?.forwardNorms(at: k, x: sources[0], z: sources[1], p)
      step = RowErrors(entries, row: rows[k + 1], model: norms)
    } else {
      let view = p.reading(sources[0], at: k)
      let entries = (layer as! any GradientErrorModel).forwardError(at: k, input: view.errors[k], view)
      let norms = !normwise ? nil : (layer as? any NormwiseErrorModel)?.forwardNorms(at: k, input: view.errors[k], inputNorms: view.norms[k], view)
      step = RowErrors(entries, row: rows[k + 1], model: norms)
    }
    p.errors.append(step.entries)
    p.norms.append(step.norms)
  }

  /// The bounds, once every parameter has one of its size. A parameter that no error model
  /// bounded (a model that gives fewer parameter bounds than its layer has parameters, a
  /// two-input layer with parameters) is refused by name, never left with an infinite bound.
  /// - Throws: `GradientAuditError.invalidModel` naming the parameters without a bound.
  static func complete(_ bounds: [[Double]?], _ model: Sequential) throws(GradientAuditError) -> [[Double]] {
    let missing = model.parameters.indices.filter { bounds[$0]?.count != model.parameters[$0].value.count }
    guard missing.isEmpty else {
      let names = missing.map { model.parameters[$0].name }.joined(separator: ", ")
      throw .invalidModel("the layers' error models give no floating-point error bound for \(names)")
    }
    return bounds.map { $0! }
  }

  /// Relative error of the trainer's sigmoid (`1/(1 + expf(-v))` or `e/(1 + e)`, `e = expf(v)`):
  /// `(1 + κ)(1 + u) / ((1 − κ)(1 − u)) − 1`, written without cancellation.
  static var sigmoidRelative: Double {
    let k = libmRelative
    return ((2 * k + 2 * u) / ((1 - k) * (1 - u))).nextUp
  }
}
