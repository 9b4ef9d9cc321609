// Which ReLU each subdomain of branch and bound splits. Every choice is sound (the two children
// cover the parent); the choice only decides how fast the tree closes.

extension BranchAndBound.Context {
  typealias Domain = BranchAndBound.Domain

  /// The neuron to split in each domain (nil when none is left). With one ReLU layer, every free
  /// unstable neuron is scored exactly (`strongBranching`); otherwise filtered smart branching
  /// over the `candidates` best by BaBSR-like score.
  func branchingNeurons(
    _ domains: [Domain], candidates: Int, strong: Bool, inputLower: [Double], inputUpper: [Double], marginRow: Int
  ) -> [(layer: Int, neuron: Int)?] {
    if strong && chain.dense.count == 1 {
      return strongBranching(domains, inputLower: inputLower, inputUpper: inputUpper, marginRow: marginRow)
    }
    return filteredBranching(domains, candidates: candidates, inputLower: inputLower, inputUpper: inputUpper, marginRow: marginRow)
  }

  /// One ReLU layer: of every free unstable neuron, the one whose two children's relaxed bounds
  /// (the parent's parameters, no search) have the largest minimum.
  func strongBranching(
    _ domains: [Domain], inputLower: [Double], inputUpper: [Double], marginRow: Int
  ) -> [(layer: Int, neuron: Int)?] {
    strongBranchingValues(domains, inputLower: inputLower, inputUpper: inputUpper, marginRow: marginRow).map { values in
      var best: (neuron: Int, value: Double)?
      for candidate in values where best == nil || candidate.value > best!.value { best = candidate }
      return best.map { (0, $0.neuron) }
    }
  }

  /// One ReLU layer: per domain and free unstable neuron, the smaller of its two children's relaxed
  /// bounds at the parent's parameters, computed without a product. Splitting neuron `j` fixes its
  /// slope (1 active, 0 inactive) and drops its intercept; with one layer the coefficient `c_j` on
  /// its output is the margin's own, so only `p_j = c_j s_j` moves and the input coefficients move
  /// by `Δp_j W_j`: one sweep over the input per candidate and side, where filtered smart
  /// branching spends a product per candidate and side.
  func strongBranchingValues(
    _ domains: [Domain], inputLower: [Double], inputUpper: [Double], marginRow: Int
  ) -> [[(neuron: Int, value: Double)]] {
    precondition(chain.dense.count == 1, "strong branching: one ReLU layer")
    let parents = chain.evaluate(
      rows(domains, marginRows: domains.map { _ in marginRow }), inputLower: inputLower, inputUpper: inputUpper, gradients: false)
    let layer = chain.dense[0], n = layer.outputWidth, m = layer.inputWidth
    let c = Array(fast.marginStart(label: label, marginRow: marginRow).coefficients)
    return domains.indices.map { d in
      let lambda = Array(parents.inputCoefficients[(d * m)..<((d + 1) * m)])
      var values: [(neuron: Int, value: Double)] = []
      layer.weights.withUnsafeBufferPointer { w in
        for j in 0..<n where domains[d].splits[0][j] == 0 {
          let l = rootLower[0][j], u = rootUpper[0][j]
          guard l < 0 && u > 0 else { continue }
          let slope = c[j] >= 0 ? domains[d].alpha[0][j] : u / (u - l)
          let intercept = c[j] >= 0 ? 0 : -l * slope
          var value = Double.infinity
          for split in [1.0, 0.0] {
            let dp = c[j] * (split - slope)
            var change = -c[j] * intercept + dp * layer.biasLower[j]
            for i in 0..<m {
              let a = lambda[i], b = a + dp * w[j * m + i]
              change += (b >= 0 ? b * inputLower[i] : b * inputUpper[i]) - (a >= 0 ? a * inputLower[i] : a * inputUpper[i])
            }
            value = min(value, parents.bound[d] + change)
          }
          values.append((j, value))
        }
      }
      return values
    }
  }

    /// The free unstable ReLUs whose relaxations cost the most, best first: the score is
    /// `|Λ_j| (−l u / (u − l))`, the largest gap of the chord weighted by its coefficient.
    func scoredNeurons(_ domain: Domain, count: Int) -> [(layer: Int, neuron: Int)] {
      var scored: [(score: Double, layer: Int, neuron: Int)] = []
      for k in rootLower.indices {
        for j in rootLower[k].indices where domain.splits[k][j] == 0 {
          let l = rootLower[k][j], u = rootUpper[k][j]
          guard l < 0 && u > 0 else { continue }
          scored.append((domain.coefficients[k][j].magnitude * (-l * u / (u - l)), k, j))
        }
      }
      return scored.sorted { $0.score > $1.score }.prefix(count).map { ($0.layer, $0.neuron) }
    }

    /// Of the `candidates` best by
    /// score, the one whose two children's relaxed bounds (the parent's parameters, no search) have
    /// the largest minimum — filtered smart branching (De Palma et al., 2021), one batch for all.
    func filteredBranching(
      _ domains: [Domain], candidates: Int, inputLower: [Double], inputUpper: [Double], marginRow: Int
    ) -> [(layer: Int, neuron: Int)?] {
      let lists = domains.map { scoredNeurons($0, count: max(1, candidates)) }
      var trial: [Domain] = []
      for (domain, list) in zip(domains, lists) {
        for (k, j) in list where list.count > 1 {
          for side: Int8 in [1, -1] {
            var child = domain
            child.splits[k][j] = side
            trial.append(child)
          }
        }
      }
      guard !trial.isEmpty else { return lists.map(\.first) }
      let bounds = chain.evaluate(
        rows(trial, marginRows: trial.map { _ in marginRow }), inputLower: inputLower, inputUpper: inputUpper, gradients: false
      ).bound
      var next = 0
      return lists.map { list in
        guard list.count > 1 else { return list.first }
        var best = list[0], bestValue = -Double.infinity
        for neuron in list {
          let value = min(bounds[next], bounds[next + 1])
          next += 2
          if value > bestValue {
            bestValue = value
            best = neuron
          }
        }
        return best
      }
    }

}
