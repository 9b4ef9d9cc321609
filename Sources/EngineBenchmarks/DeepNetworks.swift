// Composed networks of growing depth (issue 23): proof time, replay time and certificate size per
// depth, for MLPs (tanh and relu, with and without biases) and a stack of residual blocks, all
// proved by the chain rule one layer at a time (Docs/Engine.md, "Composition").
import Algebra
import Certificates
import Dispatch
import Glibc

/// Milliseconds of CPU this thread has used: on a machine shared with other builds, wall-clock
/// time measures the load as much as the engine, CPU time the engine alone.
func threadCPUMilliseconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
  return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
}

/// One row: proves the statement, writes its certificate, replays it through the kernel.
func deepNetworkRow(_ kind: String, depth: Int, text: String, runs: Int) throws -> String {
  let document = try TheoremLanguage.parse(text, file: "Theorems/deep.thm")
  let statement = document.statements[document.statements.count - 1]
  var proveMs: [Double] = [], replayMs: [Double] = [], proveCPU: [Double] = [], replayCPU: [Double] = []
  var bytes = 0, steps = 0, chains = 0, fanOuts = 0
  for _ in 0..<runs {
    var start = DispatchTime.now().uptimeNanoseconds, cpu = threadCPUMilliseconds()
    let outcome = Prover.prove(statement)
    proveMs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    proveCPU.append(threadCPUMilliseconds() - cpu)
    guard let theorem = outcome.theorem else { fatalError("\(kind) depth \(depth) failed: \(String(describing: outcome.failure))") }
    let text = try Certificate(name: statement.name, source: "Theorems/deep.thm", theorem: theorem, steps: outcome.steps).encoded()
    (start, cpu) = (DispatchTime.now().uptimeNanoseconds, threadCPUMilliseconds())
    _ = try Replay.replay(encoded: text)
    replayMs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    replayCPU.append(threadCPUMilliseconds() - cpu)
    (bytes, steps) = (text.utf8.count, outcome.steps.count)
    chains = outcome.steps.filter { if case .chain = $0 { true } else { false } }.count
    fanOuts = outcome.steps.filter { if case .fanOut = $0 { true } else { false } }.count
  }
  return "{\"benchmark\": \"deep_network\", \"network\": \"\(kind)\", \"depth\": \(depth), \"prove_ms\": \(median(proveMs)), "
    + "\"replay_ms\": \(median(replayMs)), \"prove_cpu_ms\": \(median(proveCPU)), \"replay_cpu_ms\": \(median(replayCPU)), "
    + "\"certificate_bytes\": \(bytes), \"steps\": \(steps), \"chain_steps\": \(chains), \"fan_out_steps\": \(fanOuts)}"
}

/// Every network and depth (or only the network named `only`), one JSON line each.
func deepNetworkRows(depths: [Int], runs: Int, only: String? = nil) throws -> [String] {
  var rows: [String] = []
  for depth in depths {
    var networks: [(String, String)] = []
    for activation in ["tanh", "relu"] {
      for biases in [false, true] {
        networks.append(("mlp_\(activation)\(biases ? "_bias" : "")", DeepNetworks.mlp(depth: depth, activation: activation, biases: biases)))
      }
    }
    networks.append(("residual_tanh", DeepNetworks.residual(blocks: depth)))
    for (kind, text) in networks where only == nil || only == kind {
      rows.append(try deepNetworkRow(kind, depth: depth, text: text, runs: runs))
    }
  }
  return rows
}
