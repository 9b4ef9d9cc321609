// Model certificates at scale (scripts/bench-model-certificates): for MLPs of the given depths
// and every spec given, the time to prove the model certificate (no cache), the time to replay it
// through the kernel against the spec's schedule, its size and its kernel steps. One JSON line
// per model. `*_cpu_ms` is the processor time of all threads (the replay runs on several): on a
// shared machine it moves less than the wall clock, and on a quiet one the ratio of the two is
// how many threads were busy.
//
//   ModelCertificateBenchmarks [--depths 2 8 32] [--try-slow] [SPEC...]
//
// A model whose certificate `certify train` proves (convolutions, pooling) is proved here too; one
// with a node whose proof is not done layer by layer yet (transformer blocks, `mul`) is reported
// with its gap, unless `--try-slow` asks to try it (minutes or more).
import Certificates
import Foundation
import Train

/// A line per model as soon as it is measured, also when the output is a pipe or a file.
func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Processor time of the whole process, all threads, in seconds.
func cpu() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// `depth` dense layers of width 16 with relu between them, softmax cross-entropy.
func mlp(depth: Int) -> String {
  "input 16\n" + String(repeating: "dense 16\nrelu\n", count: depth - 1) + "dense 10\nloss softmax_cross_entropy\n"
}

var depths: [Int] = []
var specs: [String] = []
var trySlow = false
var arguments = CommandLine.arguments.dropFirst()
while let a = arguments.popFirst() {
  if a == "--try-slow" {
    trySlow = true
  } else if a == "--depths" {
    while let d = arguments.first.flatMap({ Int($0) }) { depths.append(d); arguments.removeFirst() }
  } else {
    specs.append(a)
  }
}
var cases: [(name: String, spec: ModelSpec)] = []
do {
  for d in depths { cases.append(("mlp depth \(d)", try ModelSpec(parsing: mlp(depth: d)))) }
  for path in specs { cases.append((path, try ModelSpec(contentsOf: path))) }
} catch {
  FileHandle.standardError.write(Data("ModelCertificateBenchmarks: \(error)\n".utf8))
  exit(2)
}
for c in cases {
  let model: Sequential
  do { model = try Sequential(c.spec, seed: 1, certificates: .builtIn) } catch {
    emit(#"{"model": "\#(c.name)", "error": "\#(error)"}"#)
    continue
  }
  // Convolution and pooling models are proved here on request (not at model build), as
  // `certify train` does; other slow nodes only when asked.
  let onRequest: Bool
  switch ModelCertificate.gap(of: model.schedule, formulas: model.formulaBlocks) {
  case .onRequest: onRequest = true
  case .slow, .formulaLayer: onRequest = trySlow
  case nil: onRequest = false
  }
  guard model.modelCertificate != nil || onRequest else {
    emit(#"{"model": "\#(c.name)", "none": "\#(model.modelCertificateGap ?? "")"}"#)
    continue
  }
  let (start, startCPU) = (now(), cpu())
  do {
    let certificate = try ModelCertificate.prove(model.schedule, formulas: model.formulaBlocks, cached: false)
    let (proved, provedCPU) = (now(), cpu())
    let check = try certificate.verify(against: model.schedule, formulas: model.formulaBlocks)
    let (replayed, replayedCPU) = (now(), cpu())
    let times = #""prove_ms": \#(1000 * (proved - start)), "replay_ms": \#(1000 * (replayed - proved)), "prove_cpu_ms": \#(1000 * (provedCPU - startCPU)), "replay_cpu_ms": \#(1000 * (replayedCPU - provedCPU))"#
    emit(#"{"model": "\#(c.name)", "parameters": \#(check.parameters), "steps": \#(check.steps), \#(times), "bytes": \#(certificate.encoded().utf8.count)}"#)
  } catch {
    // One model's failure is reported beside the others' figures, not a crash of the run.
    let text = "\(error)".replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: " ")
    emit(#"{"model": "\#(c.name)", "error": "\#(text)", "seconds": \#(now() - start)}"#)
  }
}
