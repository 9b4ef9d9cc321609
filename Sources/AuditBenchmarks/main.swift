// Times the robustness audit on a network and a data set, both as .npz files, and prints one JSON
// object per line; scripts/bench-audit runs it beside scripts/audit_reference_numpy.py.
//
//   AuditBenchmarks --npz mlp.npz --data test.npz [--epsilons 0.003,0.01,0.02] [--limit N]
//                   [--mpfi-images N] [--mpfi-precision BITS] [--exact-images N] [--blas-threads T]
//   AuditBenchmarks --gradient-model CKPT|NPZ --gradient-data DIR [--gradient-batch N]
//                   [--gradient-precision BITS] [--gradient-directions N] [--certificates DIR]
//
// The second form times the gradient audit (Docs/Audits.md, "Gradient audit") and prints one line.
import Audit
import Dispatch
import Exact
import Intervals
import Foundation

struct Options {
  var npz = ""
  var data = ""
  var epsilons = ["0.003", "0.01", "0.02"]
  var limit = Int.max
  var mpfiImages = 10
  var mpfiPrecision = 128
  var exactImages = 2
  var blasThreads: Int?
  var gradientModel = ""
  var gradientData = ""
  var gradientBatch = 128
  var gradientPrecision = 128
  var gradientDirections = 3
  var certificates = "Certificates"

  init(_ arguments: [String]) {
    var k = 1
    func value() -> String {
      k += 1
      guard k < arguments.count else { Options.usage() }
      return arguments[k]
    }
    func number() -> Int {
      guard let n = Int(value()) else { Options.usage() }
      return n
    }
    while k < arguments.count {
      switch arguments[k] {
      case "--npz": npz = value()
      case "--data": data = value()
      case "--epsilons": epsilons = value().split(separator: ",").map(String.init)
      case "--limit": limit = number()
      case "--mpfi-images": mpfiImages = number()
      case "--mpfi-precision": mpfiPrecision = number()
      case "--exact-images": exactImages = number()
      case "--blas-threads": blasThreads = number()
      case "--gradient-model": gradientModel = value()
      case "--gradient-data": gradientData = value()
      case "--gradient-batch": gradientBatch = number()
      case "--gradient-precision": gradientPrecision = number()
      case "--gradient-directions": gradientDirections = number()
      case "--certificates": certificates = value()
      default: Options.usage()
      }
      k += 1
    }
    if (npz.isEmpty || data.isEmpty) && (gradientModel.isEmpty || gradientData.isEmpty) { Options.usage() }
  }

  static func usage() -> Never {
    FileHandle.standardError.write(Data((
      "usage: AuditBenchmarks --npz FILE --data FILE [--epsilons E,...] [--limit N] [--mpfi-images N] [--mpfi-precision BITS] [--exact-images N] [--blas-threads T]\n"
        + "       AuditBenchmarks --gradient-model FILE --gradient-data DIR [--gradient-batch N] [--gradient-precision BITS] [--gradient-directions N] [--certificates DIR]\n").utf8))
    exit(2)
  }
}

func emit(_ fields: [(String, String)]) {
  print("{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
}

func quoted(_ s: String) -> String { "\"\(s)\"" }

do {
  let options = Options(CommandLine.arguments)
  if let threads = options.blasThreads { AuditBLAS.threads = threads }
  if !options.gradientModel.isEmpty {
    // The gradient audit: exact gradient enclosed in MPFI, Float32 gradient, bounds, finite differences.
    let audit = GradientAudit(precision: options.gradientPrecision, directions: options.gradientDirections)
    let report = try audit.run(
      modelAt: options.gradientModel, certificatesAt: options.certificates, dataAt: options.gradientData, batch: options.gradientBatch)
    let worst = report.tensors.map(\.maxUlps).max() ?? 0
    emit([
      ("kind", quoted("gradients")), ("batch", "\(report.batch)"), ("precision", "\(report.precision)"),
      ("directions", "\(report.checks.count)"), ("enclose_seconds", "\(report.encloseSeconds)"),
      ("total_seconds", "\(report.totalSeconds)"), ("passed", "\(report.passed)"), ("max_ulps", "\(worst)"),
      ("max_rss_megabytes", "\(peakResidentMegabytes())"),
    ])
    if options.npz.isEmpty { exit(0) }
  }
  let network = try DenseNetwork(npz: URL(fileURLWithPath: options.npz))
  let data = try AuditDataset(archive: NumPyArchive(contentsOf: URL(fileURLWithPath: options.data))).prefix(options.limit)
  let epsilons = try options.epsilons.map { try Rational(parsing: $0) }

  // The Float64 tier on every image: IBP, then CROWN on every margin and CROWN on the margins IBP
  // leaves open (the same certified images, less work).
  for (method, skips) in [(RobustnessMethod.ibp, false), (.crown, false), (.crown, true)] {
    var audit = try RobustnessAudit(network: network, method: method, tier: .float64)
    audit.skipsSettledMargins = skips
    _ = try audit.certify(data.prefix(256), epsilon: epsilons[0])  // warm-up: BLAS threads, caches
    if method == .ibp {
      let start = DispatchTime.now()
      let clean = try audit.cleanCorrect(data)
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
      emit([("kind", quoted("clean")), ("examples", "\(data.count)"), ("correct", "\(clean.count { $0 })"), ("seconds", "\(seconds)")])
    }
    for (text, epsilon) in zip(options.epsilons, epsilons) {
      let result = try audit.certify(data, epsilon: epsilon)
      emit([
        ("kind", quoted("certify")), ("tier", quoted("float64")), ("method", quoted(method.rawValue)),
        ("skips_settled", "\(skips)"), ("epsilon", quoted(text)),
        ("examples", "\(data.count)"), ("certified", "\(result.certifiedCount)"), ("seconds", "\(result.seconds)"),
      ])
    }
  }

  // MPFI and exact IBP/CROWN on a few images: seconds per image, one thread and all cores; and
  // whether they certify the same images as the Float64 tier.
  let tiers: [(AuditTier, Int)] = [(.mpfi(precision: options.mpfiPrecision), options.mpfiImages), (.exact, options.exactImages)]
  for (tier, count) in tiers where count > 0 {
    let subset = data.prefix(count)
    for method in [RobustnessMethod.ibp, .crown] {
      for threads in [1, ProcessInfo.processInfo.activeProcessorCount] {
        let audit = try RobustnessAudit(network: network, method: method, tier: tier, threads: threads)
        let cpuStart = processCPUSeconds()
        let result = try audit.certify(subset, epsilon: epsilons[0])
        // CPU time as well as wall time: on a shared machine it is the steadier measure, and with
        // one thread it is directly comparable to a single-threaded reference's.
        let cpu = (processCPUSeconds() - cpuStart) / Double(subset.count)
        let fast = try RobustnessAudit(network: network, method: method, tier: .float64).certify(subset, epsilon: epsilons[0])
        emit([
          ("kind", quoted("per-image")), ("tier", quoted("\(tier)")), ("method", quoted(method.rawValue)),
          ("epsilon", quoted(options.epsilons[0])), ("images", "\(subset.count)"), ("threads", "\(threads)"),
          ("seconds_per_image", "\(result.seconds / Double(subset.count))"), ("cpu_seconds_per_image", "\(cpu)"),
          ("certified", "\(result.certifiedCount)"),
          ("agrees_with_float64", "\(result.certified == fast.certified)"),
        ])
        if tier == .exact { break }  // one thread is enough to show the exact tier's cost
      }
    }
  }
} catch {
  FileHandle.standardError.write(Data("AuditBenchmarks: \(error)\n".utf8))
  exit(1)
}

/// User and system CPU time of the whole process so far, in seconds.
func processCPUSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// The process's peak resident memory so far, in MiB (`getrusage`: kilobytes on Linux).
func peakResidentMegabytes() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024
}
