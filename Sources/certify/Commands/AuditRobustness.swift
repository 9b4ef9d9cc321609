import ArgumentParser
import Audit
import Exact
import Foundation
import Train

/// `certify audit robustness`: certified accuracy of a dense/ReLU classifier or a CNN under L∞
/// perturbations, by IBP and CROWN, with sound bounds.
struct AuditRobustness: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "robustness",
    abstract: "Certify test images robust to L∞ perturbations of radius eps (IBP, CROWN, alpha-CROWN, branch and bound).",
    discussion: """
      For each eps, an image counts as certified when every margin z_true - z_j is provably \
      positive over the L∞ ball of radius eps around it (pixels scaled to [0, 1], the ball \
      clipped to [0, 1]). The bounds enclose the exact real network the Float32 weights define, \
      in every tier: --fast (Float64 on BLAS with rigorous error terms, the default), \
      --precision BITS (MPFI), --exact (rationals; small networks). --model takes a checkpoint \
      of 'certify train' (dense/ReLU networks and CNNs: conv2d, depthwise_conv2d, maxpool, avgpool, \
      global_avgpool, flatten, batchnorm folded from its running statistics) or a NumPy .npz of W1, b1, W2, b2, ... with each W shaped (in, out) as \
      'x @ W + b' (Docs/Audits.md). alpha-crown optimizes the relaxation's slopes per image and \
      bab adds branch and bound over ReLU splits (certified, falsified with a point checked \
      exactly, or unknown at --timeout); both run in the fast tier on dense/ReLU networks.
      """)

  @Option(help: "The network: a checkpoint written by 'certify train --out', or a NumPy .npz.")
  var model: String

  @OptionGroup var dataOptions: DataOptions

  @Option(parsing: .unconditional, help: "The radii, comma-separated, in the [0, 1] pixel scale (read exactly: 0.003 is 3/1000).")
  var eps: String = "0.003,0.01,0.02"

  @Option(help: "The methods, comma-separated: ibp, crown, alpha-crown, bab.")
  var method: String = "ibp,crown"

  @Option(parsing: .unconditional, help: "With alpha-crown or bab: seconds per image before it is left unknown.")
  var timeout: Double = 5

  @Option(parsing: .unconditional, help: "Bound in MPFI at this many bits (24 to 65536) instead of the fast tier.")
  var precision: Int?

  @Flag(help: "Bound in Float64 on BLAS with rigorous error terms (the default tier).")
  var fast = false

  @Flag(help: "Bound in exact rationals (for small networks: slow).")
  var exact = false

  @Option(parsing: .unconditional, help: "Audit the first N test images only.")
  var limit: Int?

  @Option(parsing: .unconditional, help: "Worker threads (MPFI and exact tiers: images at once; fast tier: OpenBLAS threads).")
  var threads: Int?

  @Flag(help: "Also attack each correct, uncertified image with projected gradient ascent: an upper bound on robust accuracy.")
  var attack = false

  @Option(parsing: .unconditional, help: "Gradient steps of the attack per start.")
  var attackSteps = 100

  @Option(parsing: .unconditional, help: "Starts of the attack per image: the image itself, then random points of the ball.")
  var attackRestarts = 1

  @Option(help: ArgumentHelp(
    "Write certified accuracy against eps, one curve per method, as an SVG file.",
    discussion: "A regular file, replaced atomically; a symbolic link is followed. Checked before the audit starts."))
  var plot: String?

  @Flag(help: "Replace an existing --plot file that this command did not write.")
  var overwrite = false

  @Flag(help: "Print the results as one line of JSON instead of a table.")
  var json = false

  @Option(help: ArgumentHelp(
    "Write each image's verdicts as JSON Lines: label, prediction, each method's verdict and margin bound, the attack's result.",
    discussion: "One line per image and eps (Docs/Audits.md, \"Per-image results\").", valueName: "file.jsonl"))
  var perImage: String?

  @Option(help: ArgumentHelp("With --attack: save each adversarial example found as .npy (exact) and .png in this directory.", valueName: "dir"))
  var saveAdversarial: String?

  func validate() throws {
    if [precision != nil, fast, exact].filter({ $0 }).count > 1 {
      throw ValidationError("choose one tier: --fast, --precision BITS or --exact.")
    }
    if let precision {
      guard precision >= AuditPrecision.minimum else {
        throw ValidationError("--precision must be at least \(AuditPrecision.minimum) bits (a Float32 weight must be exact), not \(precision).")
      }
      guard precision <= AuditPrecision.maximum else {
        throw ValidationError("--precision must be at most \(AuditPrecision.maximum) bits, not \(precision).")
      }
    }
    if !(timeout > 0 && timeout <= 86_400) { throw ValidationError("--timeout must be a number of seconds in (0, 86400], not \(timeout).") }
    if tier != .float64, let searching = try methods().first(where: \.searches) {
      throw ValidationError("--method \(searching.rawValue) runs in the fast tier only (not with --precision or --exact).")
    }
    if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit).") }
    if let threads, threads < 1 || threads > 1024 { throw ValidationError("--threads must be in 1...1024, not \(threads).") }
    if saveAdversarial != nil && !attack { throw ValidationError("--save-adversarial needs --attack.") }
    if attackSteps < 1 || attackRestarts < 1 { throw ValidationError("--attack-steps and --attack-restarts must be at least 1.") }
    if attackSteps > 1_000_000 || attackRestarts > 1_000_000 {
      throw ValidationError("--attack-steps and --attack-restarts must be at most 1000000.")
    }
    _ = try epsilons()
    _ = try methods()
  }

  /// The radii, exactly.
  func epsilons() throws -> [Rational] {
    let parts = eps.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    return try parts.map { part in
      guard let value = try? Rational(parsing: part) else {
        throw ValidationError("--eps: '\(MessageText.cut(part))' is not a number (write radii like 0.003,0.01 or 1/255).")
      }
      guard value >= 0 else { throw ValidationError("--eps: \(MessageText.cut(part)) is negative; eps must be >= 0.") }
      guard value <= 1 else { throw ValidationError("--eps: \(MessageText.cut(part)) is outside [0, 1]; eps must be <= 1 (pixels are in [0, 1]).") }
      return value
    }
  }

  func methods() throws -> [RobustnessMethod] {
    var result: [RobustnessMethod] = []
    for part in method.split(separator: ",", omittingEmptySubsequences: false) {
      guard let m = RobustnessMethod(rawValue: part.trimmingCharacters(in: .whitespaces).lowercased()) else {
        throw ValidationError("--method: '\(MessageText.cut(part))' is not one of ibp, crown, alpha-crown, bab.")
      }
      if !result.contains(m) { result.append(m) }
    }
    return result
  }

  var tier: AuditTier {
    if exact { return .exact }
    if let precision { return .mpfi(precision: precision) }
    return .float64
  }

  func run() throws {
    if tier == .float64, let threads { BLAS.threads = threads }
    try reportingFailure {
      let plotFile = try plot.map { try PlotFile.check($0, overwrite: overwrite) }
      if let perImage { try AuditOutputFile.check(perImage) }
      let network = try LayerNetwork(contentsOf: model)
      var test = try FashionMNIST.load(.test, from: dataOptions.data)
      if let limit { test = test.prefix(limit) }
      let data = try AuditDataset(pixels: test.pixels ?? [], features: test.features, labels: test.labels.map(Int.init))

      var reports: [RobustnessReport] = []
      for method in try methods() {
        var audit = try RobustnessAudit(network: network, method: method, tier: tier, threads: tier == .float64 ? nil : threads)
        if tier != .float64 || method.searches {
          audit.progress = ProgressLine.reporter(label: "\(method.rawValue), \(tier)")
        }
        audit.timeout = timeout
        reports.append(try audit.run(data, epsilons: try epsilons()))
      }
      var attacks: [AttackResult] = []
      if attack {
        var audit = try RobustnessAudit(network: network, threads: threads)
        let pgd = try PGDAttack(network: network, steps: attackSteps, restarts: attackRestarts)
        for (k, epsilon) in try epsilons().enumerated() {
          // An image any method certified cannot be broken: only the others are searched.
          let certified = (0..<data.count).map { i in reports.contains { $0.results[k].certified[i] } }
          audit.progress = ProgressLine.reporter(label: "pgd, eps \(eps.split(separator: ",")[k])")
          attacks.append(try audit.attack(data, epsilon: epsilon, with: pgd, cleanCorrect: reports[0].cleanCorrect, certified: certified))
        }
      }
      let summary = RobustnessSummary(reports: reports, attacks: attacks)
      var saved: [[String?]] = []
      if let saveAdversarial {
        let side = Int(Double(data.features).squareRoot())
        let shape = network.inputImage.map { $0.channels == 1 ? [$0.height, $0.width] : [$0.channels, $0.height, $0.width] }
          ?? (side * side == data.features ? [side, side] : [data.features])
        saved = try attacks.map { try AdversarialFiles.write($0, shape: shape, to: URL(fileURLWithPath: saveAdversarial)) }
      }
      if let perImage {
        let audit = try RobustnessAudit(network: network)
        let report = PerImageReport(summary: summary, labels: data.labels, predictions: try audit.predictions(data), savedExamples: saved)
        try AuditOutputFile.write(Data(report.jsonLines().utf8), to: perImage)
      }
      print(json ? summary.json() : summary.table())
      if let plot, let plotFile {
        try PlotFile.write(summary.svg(), to: plotFile)
        if !json { print("plot: \(plot)") }
      }
    }
  }
}
