import Exact
import ProofKernel
import Train

/// The certified formulas of one trainer layer (or the loss), compiled to plans with the operand
/// shapes of the model: the forward definition, the rule for the input, and a rule per parameter.
///
/// What comes from the certificate: every formula (the output definition's body, each rule's right
/// side), the names of the tensors, which tensor each rule differentiates in, the seed's name and
/// the index order. What is glue (written here, not certified): which buffer each operand name
/// reads — the layer's input is the previous layer's output, `dy` is the next layer's input
/// gradient, a parameter operand (`W`) is the parameter whose `rule` is `dense.W` — and the sizes
/// of the dimensions, read off the buffers' shapes.
struct LayerPlans<Values: PlanValues> {
  let block: String
  /// The block's input operand (`x`, or the loss's `z` / `y`).
  let inputName: String
  /// Every input operand, in the block's order (`x`, `z` for `add` and `mul`).
  let operandNames: [String]
  /// `y[o] = ...` (a layer) or `L = ...` (a loss).
  let forward: FormulaPlan<Values>
  /// The rule for each input operand (`dense.x`; `add.x`, `add.z`), or the loss's gradient.
  let inputRules: [FormulaPlan<Values>?]
  /// The rule for the first input.
  var inputRule: FormulaPlan<Values>? { inputRules[0] }
  /// The seed's name in the rules (`dy`), nil for a loss.
  let seedName: String?
  /// Per parameter of the layer (in the layer's order): its operand name and rule plan.
  let parameterRules: [(operand: String, plan: FormulaPlan<Values>)]

  /// - Parameters:
  ///   - rules: the replayed rules, by name.
  ///   - shapes: the per-example shape of every operand (`x`: `[in]`, `W`: `[out, in]`, `dy`: `[out]`).
  static func make(
    block: String, ruleNames: [String], operandNames: [String], parameterRules names: [String],
    shapes: [String: [Int]], strides: [String: [Int]] = [:], dimensions: [String: Int] = [:], named: [String: Rational] = [:], rules: [String: ReplayedRule], precision: Int
  ) throws(GradientAuditError) -> LayerPlans {
    let inputName = operandNames[0]
    var inputRules: [ReplayedRule?] = operandNames.map { _ in nil }
    var parameterRules: [(String, FormulaPlan<Values>)] = []
    var output: Definition?
    var seed: String?
    for name in ruleNames {
      guard let rule = rules[name] else { throw GradientAuditError.certificate(rule: name, reason: "not loaded") }
      output = rule.output
      seed = rule.seed
      if let slot = operandNames.firstIndex(of: rule.variable) { inputRules[slot] = rule }
    }
    guard let output else { throw GradientAuditError.invalidModel("block \(block) has no rules") }
    for name in names {
      guard let rule = rules[name] else { throw GradientAuditError.certificate(rule: name, reason: "not loaded") }
      parameterRules.append((rule.variable, try plan(rule.formula, rule: name, indices: rule.indices, rule, shapes, strides, dimensions, named, precision)))
    }
    let forward = try plan(output.body, rule: "\(block) (output \(output.name))", indices: output.parameters, inputRules[0] ?? rules[ruleNames[0]]!, shapes, strides, dimensions, named, precision)
    var planned: [FormulaPlan<Values>?] = []
    for r in inputRules {
      planned.append(try r.map { r throws(GradientAuditError) in try plan(r.formula, rule: r.name, indices: r.indices, r, shapes, strides, dimensions, named, precision) })
    }
    return LayerPlans(
      block: block, inputName: inputName, operandNames: operandNames, forward: forward, inputRules: planned,
      seedName: seed, parameterRules: parameterRules)
  }

  private static func plan(
    _ term: Term, rule: String, indices: [String], _ certified: ReplayedRule, _ shapes: [String: [Int]], _ strides: [String: [Int]],
    _ extra: [String: Int], _ named: [String: Rational], _ precision: Int
  ) throws(GradientAuditError) -> FormulaPlan<Values> {
    // Shapes give most dimensions; the layout gives those only index arithmetic mentions.
    let dimensions = try inferDimensions(certified, shapes: shapes).merging(extra) { inferred, _ in inferred }
    let read = accessedTensors(term)
    var used: [String: [Int]] = [:]
    for name in read {
      guard let shape = shapes[name] else {
        throw GradientAuditError.invalidModel("\(rule): the formula reads \(name), which the audit has no values for")
      }
      used[name] = shape
    }
    return try FormulaPlan(
      term, rule: rule, freeIndices: indices, tensors: used, dimensions: dimensions, named: named, precision: precision,
      strides: strides.filter { used[$0.key] != nil })
  }

  /// Each dimension's size, from the declared shapes of the rule's tensors (`W[O, I]`) and the
  /// actual shapes of the operands.
  static func inferDimensions(_ rule: ReplayedRule, shapes: [String: [Int]]) throws(GradientAuditError) -> [String: Int] {
    var result: [String: Int] = [:]
    var declared: [(String, [Affine])] = []
    collect(rule.theorem.lhs, into: &declared)
    collect(rule.theorem.rhs, into: &declared)
    for (name, shape) in declared {
      guard let actual = shapes[name], actual.count == shape.count else { continue }
      for (axis, a) in shape.enumerated() {
        guard a.constant == 0, a.terms.count == 1, a.terms[0].coefficient == 1, case .dimension(let d) = a.terms[0].variable else { continue }
        if let known = result[d], known != actual[axis] {
          throw GradientAuditError.invalidModel("\(rule.name): dimension \(d) would be both \(known) and \(actual[axis]) (tensor \(name))")
        }
        result[d] = actual[axis]
      }
    }
    return result
  }

  /// Every tensor a term reads (definition bodies and a vjp's variable and seed included).
  private static func collect(_ term: Term, into out: inout [(String, [Affine])]) {
    switch term.node {
    case .constant, .dimension, .named, .bracket: break
    case .access(let t, _): out.append((t.name, t.shape))
    case .sum(_, _, let body): collect(body, into: &out)
    case .add(let ts), .mul(let ts): for t in ts { collect(t, into: &out) }
    case .power(let t, _), .apply(_, let t): collect(t, into: &out)
    case .reference(let d, _): collect(d.body, into: &out)
    case let .derivative(body, x, dx):
      collect(body, into: &out)
      out.append((x.name, x.shape))
      out.append((dx.name, dx.shape))
    case .vjp(let v):
      collect(v.output, into: &out)
      out.append((v.wrt.name, v.wrt.shape))
      if let s = v.seed { out.append((s.name, s.shape)) }
    }
  }

  static func accessedTensors(_ term: Term) -> Set<String> {
    var all: [(String, [Affine])] = []
    collect(term, into: &all)
    return Set(all.map(\.0))
  }
}
