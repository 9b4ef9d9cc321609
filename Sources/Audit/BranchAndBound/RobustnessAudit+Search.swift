import Dispatch
import Exact
import Train

extension RobustnessAudit {
  /// α-CROWN or branch and bound (`method.searches`) at one ε: CROWN in batches first, then the
  /// images it leaves open one at a time on `threads` workers (one BLAS thread each), each within
  /// `timeout` seconds. `progress` is called as images finish.
  func searchedResults(_ data: AuditDataset, table: PixelBounds) -> [ImageVerdict] {
    let rows = network.classes - 1
    let initial = fastMarginLowerBounds(data, table: table, method: .crown, onlyUndecided: skipsSettledMargins)
    let results = ResultSlots(
      count: data.count, initial: ImageVerdict(verdict: .certified, marginLower: .infinity, counterexample: nil, domains: 0))
    var open: [Int] = []
    for (index, bounds) in initial.enumerated() {
      let worst = bounds.reduce(Double.infinity) { $1.isNaN ? -.infinity : min($0, $1) }
      if bounds.count == rows && bounds.allSatisfy({ $0 > 0 }) {
        results.set(index, ImageVerdict(verdict: .certified, marginLower: worst, counterexample: nil, domains: 0))
      } else {
        results.set(index, ImageVerdict(verdict: .unknown, marginLower: worst, counterexample: nil, domains: 0))
        open.append(index)
      }
    }
    let targets = open
    guard !targets.isEmpty, let chain = ReLUChain(fast) else { return results.values }
    let search = BranchAndBound(
      fast: fast, chain: chain, attack: try! PGDAttack(network: network), branches: method == .bab, timeout: timeout)
    let workers = min(threads, targets.count), progress = self.progress
    let blasThreads = BLAS.threads
    BLAS.threads = 1
    defer { BLAS.threads = blasThreads }
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      let workspace = FastWorkspace()
      var k = worker
      while k < targets.count {
        let index = targets[k]
        let verdict = search.verify(
          box: table.box(data.image(index)), batch: table.batch(data, index..<(index + 1)), label: data.labels[index],
          initial: initial[index], workspace)
        results.set(index, verdict)
        if let progress { progress(results.finish(), targets.count) }
        k += workers
      }
    }
    return results.values
  }
}
