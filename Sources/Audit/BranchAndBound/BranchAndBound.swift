import Dispatch
import Exact

/// α-CROWN and branch and bound over ReLU splits (β-CROWN-style) for one image at a time, sound
/// like CROWN in the fast tier.
///
/// α-CROWN: the lower slope of every unstable ReLU is optimized per margin by projected gradient
/// ascent on the bound in plain Float64 (`ReLUChain.optimize`); any slope in [0, 1] gives a valid
/// bound, and the bound reported is recomputed for the chosen slopes with every rounding accounted
/// for (`FastBounds.relaxedMarginLowerBounds`). A margin's bound is the largest of IBP's, CROWN's
/// and α-CROWN's.
///
/// Branch and bound: each margin α-CROWN leaves open is split on an unstable ReLU (`z ≥ 0` or
/// `z ≤ 0`: together they cover the box), and each subdomain bounded with the split neuron's
/// bounds set to the split and a multiplier β ≥ 0 of the split constraint in the bound, optimized
/// with the slopes; a subdomain whose sound bound is positive is closed. The margin is proved
/// when every subdomain is closed. The corner that minimizes each subdomain's relaxed bound, and
/// a PGD attack first, are candidate counterexamples, checked exactly. Whatever is neither proved
/// nor falsified by the deadline is unknown.
struct BranchAndBound: Sendable {
  let fast: FastBounds
  let chain: ReLUChain
  let attack: PGDAttack
  /// Split and bound (false: α-CROWN only).
  var branches: Bool
  /// Seconds per image.
  var timeout: Double
  /// Gradient steps at the root and per batch of subdomains (few: a child starts from its parent's
  /// parameters, and more subdomains pay more than tighter ones under a time limit).
  var rootIterations = 20
  var iterations = 5
  /// Subdomains split at once (bounded together as one batch).
  var batchSize = 64
  /// Neurons per subdomain whose splits are tried before one is chosen (filtered smart branching).
  var candidates = 3
  /// With one ReLU layer, every free unstable neuron is a candidate, scored without a product.
  var strongBranching = true
  /// The targeted search per open margin before branching: random starts besides the corner and
  /// the centre, and steps per start (a quarter of them from each batch's loosest subdomain; 0: none).
  var attackRestarts = 2
  var attackSteps = 60

  /// A subdomain of one margin row.
  struct Domain {
    var splits: [[Int8]]  // per layer and neuron: +1 active (z ≥ 0), −1 inactive (z ≤ 0), 0 free
    var alpha: [[Double]]
    var beta: [[Double]]
    /// A sound lower bound of the margin on the subdomain (its own or an ancestor's).
    var bound: Double
    /// The search's Float64 bound (unsound: it only orders the queue and points the attack).
    var estimate: Double
    var coefficients: [[Double]]  // Λ at each ReLU output, from the last evaluation (branching)
  }

  /// Verifies one image whose margin lower bounds `initial` (per margin row, IBP's and CROWN's
  /// best; NaN for none) do not already certify it.
  func verify(box: InputBox, batch: BoxBatch, label: Int, initial: [Double], _ workspace: FastWorkspace) -> ImageVerdict {
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, timeout) * 1e9)
    let nodes = fast.tightenedNodes(batch, workspace)
    let rootLower = chain.reluPositions.map { nodes[$0].lower }, rootUpper = chain.reluPositions.map { nodes[$0].upper }
    var bounds = initial.map { $0.isNaN ? -Double.infinity : $0 }
    var worst: Double { bounds.min() ?? .infinity }
    if branches, let point = attack.attack(box, label: label) {
      return ImageVerdict(verdict: .falsified, marginLower: worst, counterexample: point.map { Double($0) }, domains: 0)
    }
    var open = bounds.indices.filter { !(bounds[$0] > 0) }
    guard !open.isEmpty else { return ImageVerdict(verdict: .certified, marginLower: worst, counterexample: nil, domains: 0) }
    // No hidden layer: the margins are affine and their bounds already exact.
    guard !chain.dense.isEmpty else { return ImageVerdict(verdict: .unknown, marginLower: worst, counterexample: nil, domains: 0) }
    let lower = batch.lower, upper = batch.upper
    let context = Context(chain: chain, rootLower: rootLower, rootUpper: rootUpper, label: label, fast: fast)

    // α-CROWN on the open margins together.
    var roots = open.map { _ in context.rootDomain() }
    var rows = context.rows(roots, marginRows: open)
    let optimized = chain.optimize(rows, inputLower: lower, inputUpper: upper, iterations: rootIterations)
    rows = optimized.rows
    let sound = fast.relaxedMarginLowerBounds(rows, marginRows: open, label: label, nodes: nodes, chain: chain, workspace)
    for (s, r) in open.enumerated() {
      if sound[s] > bounds[r] { bounds[r] = sound[s] }
      roots[s] = context.update(
        roots[s], rows: rows, row: s, bound: bounds[r], estimate: optimized.evaluation.bound[s], evaluation: optimized.evaluation)
    }
    let marginLower = worst, rootOpen = open
    open = open.filter { !(bounds[$0] > 0) }
    guard !open.isEmpty else { return ImageVerdict(verdict: .certified, marginLower: marginLower, counterexample: nil, domains: 0) }
    guard branches else { return ImageVerdict(verdict: .unknown, marginLower: marginLower, counterexample: nil, domains: 0) }

    // A targeted search on each open margin, from its relaxation's minimizing corner (where the
    // untargeted attack, following the largest wrong logit, may not go).
    let width = lower.count
    for r in open where attackSteps > 0 {
      let row = rootOpen.firstIndex(of: r)!
      let corner = Array(optimized.evaluation.minimizer[(row * width)..<((row + 1) * width)])
      if let point = targetedCounterexample(
        box: box, label: label, marginRow: r, starts: [corner], randomStarts: attackRestarts, steps: attackSteps, seed: UInt64(r))
      {
        return ImageVerdict(verdict: .falsified, marginLower: marginLower, counterexample: point.map { Double($0) }, domains: 0)
      }
    }

    // Branch and bound, the worst margin first.
    var domainCount = 0
    for r in open.sorted(by: { bounds[$0] < bounds[$1] }) {
      var queue = [roots[rootOpen.firstIndex(of: r)!]]
      while !queue.isEmpty {
        guard DispatchTime.now().uptimeNanoseconds < deadline else {
          return ImageVerdict(verdict: .unknown, marginLower: marginLower, counterexample: nil, domains: domainCount)
        }
        queue.sort { $0.estimate < $1.estimate }
        let parents = queue.prefix(batchSize)
        queue.removeFirst(parents.count)
        var children: [Domain] = []
        let choices = context.branchingNeurons(
          Array(parents), candidates: candidates, strong: strongBranching, inputLower: lower, inputUpper: upper, marginRow: r)
        for (parent, choice) in zip(parents, choices) {
          guard let (k, j) = choice else {
            // Every unstable ReLU split and still open: the relaxation cannot close it.
            return ImageVerdict(verdict: .unknown, marginLower: marginLower, counterexample: nil, domains: domainCount)
          }
          for side: Int8 in [1, -1] {
            var child = parent
            child.splits[k][j] = side
            children.append(child)
          }
        }
        var childRows = context.rows(children, marginRows: children.map { _ in r })
        let result = chain.optimize(childRows, inputLower: lower, inputUpper: upper, iterations: iterations)
        childRows = result.rows
        // Only a child whose search bound is positive can close: the sound bound, with every
        // rounding accounted for, is computed for those alone.
        let closable = children.indices.filter { result.evaluation.bound[$0] > 0 }
        var childBounds = [Double](repeating: -.infinity, count: children.count)
        if !closable.isEmpty {
          let checked = fast.relaxedMarginLowerBounds(
            childRows.selecting(closable), marginRows: closable.map { _ in r }, label: label, nodes: nodes, chain: chain, workspace)
          for (i, s) in closable.enumerated() { childBounds[s] = checked[i] }
        }
        domainCount += children.count
        var worstChild: (estimate: Double, corner: [Double])?
        for (s, child) in children.enumerated() {
          // A parent's bound holds on its children's subdomains too.
          let bound = childBounds[s].isNaN ? child.bound : max(child.bound, childBounds[s])
          if bound > 0 { continue }
          let estimate = max(child.estimate, result.evaluation.bound[s])
          let corner = Array(result.evaluation.minimizer[(s * width)..<((s + 1) * width)])
          if context.looksMisclassified(corner), let point = attack.checkedCounterexample(corner, label: label, box: box) {
            return ImageVerdict(verdict: .falsified, marginLower: marginLower, counterexample: point.map { Double($0) }, domains: domainCount)
          }
          if estimate < worstChild?.estimate ?? .infinity { worstChild = (estimate, corner) }
          queue.append(context.update(child, rows: childRows, row: s, bound: bound, estimate: estimate, evaluation: result.evaluation))
        }
        // The loosest subdomain's corner, improved by a short targeted search.
        if attackSteps > 0, let worstChild, let point = targetedCounterexample(
          box: box, label: label, marginRow: r, starts: [worstChild.corner], randomStarts: 0, steps: attackSteps / 4, seed: 0, centre: false)
        {
          return ImageVerdict(verdict: .falsified, marginLower: marginLower, counterexample: point.map { Double($0) }, domains: domainCount)
        }
      }
    }
    return ImageVerdict(verdict: .certified, marginLower: marginLower, counterexample: nil, domains: domainCount)
  }
}

extension BranchAndBound {
  /// What every subdomain of one image shares.
  struct Context {
    let chain: ReLUChain
    let rootLower: [[Double]]
    let rootUpper: [[Double]]
    let label: Int
    let fast: FastBounds

    /// No splits, CROWN's adaptive lower slopes, β = 0.
    func rootDomain() -> Domain {
      let alpha = zip(rootLower, rootUpper).map { lower, upper in zip(lower, upper).map { $1 > -$0 ? 1.0 : 0.0 } }
      return Domain(
        splits: rootLower.map { [Int8](repeating: 0, count: $0.count) }, alpha: alpha,
        beta: rootLower.map { [Double](repeating: 0, count: $0.count) }, bound: -.infinity, estimate: -.infinity,
        coefficients: rootLower.map { [Double](repeating: 0, count: $0.count) })
    }

    /// The domains as rows of the search: bounds with the splits applied, their parameters.
    func rows(_ domains: [Domain], marginRows: [Int]) -> RelaxedRows {
      let layers = rootLower.count
      var rows = RelaxedRows(
        count: domains.count, lower: Array(repeating: [], count: layers), upper: Array(repeating: [], count: layers),
        alpha: Array(repeating: [], count: layers), beta: Array(repeating: [], count: layers),
        direction: Array(repeating: [], count: layers), start: [], constant: [])
      for (d, domain) in domains.enumerated() {
        for k in 0..<layers {
          for (j, split) in domain.splits[k].enumerated() {
            let l = rootLower[k][j], u = rootUpper[k][j]
            rows.lower[k].append(split > 0 ? max(l, 0) : l)
            rows.upper[k].append(split < 0 ? min(u, 0) : u)
            rows.direction[k].append(split > 0 ? -1 : split < 0 ? 1 : 0)
          }
          rows.alpha[k] += domain.alpha[k]
          rows.beta[k] += domain.beta[k]
        }
        let start = fast.marginStart(label: label, marginRow: marginRows[d])
        rows.start += start.coefficients
        rows.constant.append(start.constant)
      }
      return rows
    }

    /// `domain` with row `s`'s parameters and coefficients, and its bound.
    func update(
      _ domain: Domain, rows: RelaxedRows, row s: Int, bound: Double, estimate: Double, evaluation: RelaxedEvaluation
    ) -> Domain {
      var result = domain
      result.bound = bound
      result.estimate = estimate
      for k in rootLower.indices {
        let n = rootLower[k].count, range = (s * n)..<((s + 1) * n)
        result.alpha[k] = Array(rows.alpha[k][range])
        result.beta[k] = Array(rows.beta[k][range])
        result.coefficients[k] = Array(evaluation.coefficients[k][range])
      }
      return result
    }

    /// The Float64 logits at `x` put another class at least level with the label (worth an exact check).
    func looksMisclassified(_ x: [Double]) -> Bool {
      let logits = fast.logits(x)
      return logits.indices.contains { $0 != label && logits[$0] >= logits[label] }
    }
  }
}
