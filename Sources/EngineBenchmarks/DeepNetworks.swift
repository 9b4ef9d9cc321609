// Composed networks of growing depth (issue 23): proof time, replay time and certificate size per
// depth, for MLPs (tanh and relu, with and without biases) and a stack of residual blocks, all
// proved by the chain rule one layer at a time (Docs/Engine.md, "Composition").
import Algebra
import Certificates
import Dispatch

/// One row: proves the statement, writes its certificate, replays it through the kernel.
func deepNetworkRow(_ kind: String, depth: Int, text: String, runs: Int) throws -> String {
  let document = try TheoremLanguage.parse(text, file: "Theorems/deep.thm")
  let statement = document.statements[document.statements.count - 1]
  var proveMs: [Double] = [], replayMs: [Double] = []
  var bytes = 0, steps = 0, chains = 0
  for _ in 0..<runs {
    var start = DispatchTime.now().uptimeNanoseconds
    let outcome = Prover.prove(statement)
    proveMs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    guard let theorem = outcome.theorem else { fatalError("\(kind) depth \(depth) failed: \(String(describing: outcome.failure))") }
    let text = try Certificate(name: statement.name, source: "Theorems/deep.thm", theorem: theorem, steps: outcome.steps).encoded()
    start = DispatchTime.now().uptimeNanoseconds
    _ = try Replay.replay(encoded: text)
    replayMs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    (bytes, steps) = (text.utf8.count, outcome.steps.count)
    chains = outcome.steps.filter { if case .chain = $0 { true } else { false } }.count
  }
  return "{\"benchmark\": \"deep_network\", \"network\": \"\(kind)\", \"depth\": \(depth), \"prove_ms\": \(median(proveMs)), "
    + "\"replay_ms\": \(median(replayMs)), \"certificate_bytes\": \(bytes), \"steps\": \(steps), \"chain_steps\": \(chains)}"
}

/// Every network and depth, one JSON line each.
func deepNetworkRows(depths: [Int], runs: Int) throws -> [String] {
  var rows: [String] = []
  for depth in depths {
    for activation in ["tanh", "relu"] {
      for biases in [false, true] {
        let kind = "mlp_\(activation)\(biases ? "_bias" : "")"
        rows.append(try deepNetworkRow(kind, depth: depth, text: DeepNetworks.mlp(depth: depth, activation: activation, biases: biases), runs: runs))
      }
    }
    rows.append(try deepNetworkRow("residual_tanh", depth: depth, text: DeepNetworks.residual(blocks: depth), runs: runs))
  }
  return rows
}
