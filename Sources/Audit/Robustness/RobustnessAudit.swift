import Dispatch
import Exact
import Intervals
import Foundation
import Train

/// The arithmetic an audit's bounds are computed in. All three are sound for the exact network.
public enum AuditTier: Sendable, Equatable, CustomStringConvertible {
  /// Exact rationals: the definitions themselves, for small networks.
  case exact
  /// MPFI intervals at `precision` bits (128 by default).
  case mpfi(precision: Int)
  /// Float64 on BLAS with rigorous error terms: the fast tier.
  case float64

  public var description: String {
    switch self {
    case .exact: "exact"
    case let .mpfi(precision): "mpfi\(precision)"
    case .float64: "float64"
    }
  }

  /// Reads `exact`, `float64`, `mpfi` (128 bits) or `mpfiN` (N bits).
  public init?(_ text: String) {
    switch text {
    case "exact": self = .exact
    case "float64", "fast": self = .float64
    case "mpfi": self = .mpfi(precision: Interval.defaultPrecision)
    default:
      guard text.hasPrefix("mpfi"), let bits = Int(text.dropFirst(4)), bits >= 24 else { return nil }
      self = .mpfi(precision: bits)
    }
  }
}

/// Certified accuracy of a network on a data set: for each ε, the images whose margins are all
/// provably positive over the clipped L∞ ball of radius ε, by `method` in `tier`.
///
/// ```swift
/// let audit = try RobustnessAudit(network: net, method: .crown, tier: .float64)
/// let report = try audit.run(testSet, epsilons: [Rational(3, 1000), Rational(1, 100)])
/// print(report.table())
/// ```
public struct RobustnessAudit: Sendable {
  public let network: LayerNetwork
  public let method: RobustnessMethod
  public let tier: AuditTier
  /// Images bounded at once by the exact and MPFI tiers (the Float64 tier uses OpenBLAS's threads).
  public let threads: Int
  /// For CROWN in the Float64 tier: bound with CROWN only the margins IBP leaves open (not proven
  /// positive, in an image not already refuted). The certified images are exactly the same, since
  /// the certified margin bound is the larger of CROWN's and IBP's; only time is saved.
  public var skipsSettledMargins = true
  /// Called as images finish in the exact and MPFI tiers (which take seconds per image), with the
  /// number done and the total, from worker threads; the Float64 tier is fast and does not call it.
  public var progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
  /// α-CROWN and branch and bound: seconds per image before it is left unknown.
  public var timeout = 5.0

  let fast: FastBounds
  /// The enclosure engine of the exact or MPFI tier, built once: converting every weight (and
  /// preparing MPFI's layer maps) costs as much as bounding a few images.
  private let exactEngine: IntervalBounds<ExactArithmetic>?
  private let mpfiEngine: IntervalBounds<MPFIArithmetic>?

  /// An audit of a dense/ReLU `network` (`DenseNetwork.layerNetwork`).
  /// - Throws: as `init(network:method:tier:threads:)` for a `LayerNetwork`.
  public init(network: DenseNetwork, method: RobustnessMethod = .crown, tier: AuditTier = .float64, threads: Int? = nil) throws(AuditError) {
    try self.init(network: network.layerNetwork, method: method, tier: tier, threads: threads)
  }

  /// An audit of `network`.
  /// - Throws: `AuditError.invalidArgument` for fewer than 1 thread or an MPFI precision outside
  ///   `AuditPrecision`'s range; `.unsupportedLayer` for a layer without a Float64 transformer
  ///   (every tier decides clean accuracy in Float64 first).
  public init(network: LayerNetwork, method: RobustnessMethod = .crown, tier: AuditTier = .float64, threads: Int? = nil) throws(AuditError) {
    if case let .mpfi(precision) = tier { try AuditPrecision.check(precision) }
    if method.searches && tier != .float64 {
      throw AuditError.invalidArgument("\(method.rawValue) runs in the Float64 tier only (its final bounds are that tier's)")
    }
    let threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
    guard threads >= 1 else { throw AuditError.invalidArgument("an audit needs at least one thread") }
    self.network = network
    self.method = method
    self.tier = tier
    self.threads = threads
    fast = try FastBounds(network: network)
    if method.searches && ReLUChain(fast) == nil {
      throw AuditError.invalidArgument("\(method.rawValue) needs a dense/ReLU network (dense and ReLU layers alternating)")
    }
    exactEngine = tier == .exact ? IntervalBounds(network: network, arithmetic: ExactArithmetic()) : nil
    if case let .mpfi(precision) = tier {
      mpfiEngine = IntervalBounds(network: network, arithmetic: MPFIArithmetic(precision: precision))
    } else {
      mpfiEngine = nil
    }
  }

  func check(_ data: AuditDataset) throws(AuditError) {
    guard data.features == network.inputWidth else {
      throw AuditError.invalidArgument("the images have \(data.features) pixels, the network \(network.inputWidth) inputs")
    }
    if let bad = data.labels.firstIndex(where: { $0 >= network.classes }) {
      throw AuditError.invalidArgument("label \(data.labels[bad]) of image \(bad) is not one of the network's \(network.classes) classes")
    }
  }

  // MARK: - Certification

  /// Which images are certified at `epsilon`, and how long it took.
  /// - Throws: `AuditError.invalidArgument` when the data does not fit the network or ε < 0.
  public func certify(_ data: AuditDataset, epsilon: Rational) throws(AuditError) -> EpsilonResult {
    try check(data)
    let table = try PixelBounds(epsilon: epsilon)
    let start = DispatchTime.now()
    let results: [(certified: Bool, worst: Double)]
    var falsified: [Bool] = [], counterexamples: [[Double]?] = [], domains: [Int] = []
    switch tier {
    case .float64 where method.searches:
      let verdicts = searchedResults(data, table: table)
      results = verdicts.map { ($0.verdict == .certified, $0.marginLower) }
      if method == .bab {
        falsified = verdicts.map { $0.verdict == .falsified }
        counterexamples = verdicts.map(\.counterexample)
        domains = verdicts.map(\.domains)
      }
    case .float64:
      results = fastMarginLowerBounds(data, table: table, method: method.bound ?? .crown, onlyUndecided: skipsSettledMargins).map { bounds in
        (bounds.allSatisfy { $0 > 0 }, bounds.reduce(Double.infinity) { $1.isNaN ? -.infinity : min($0, $1) })
      }
    case .exact:
      results = certifyEach(data, table: table, engine: exactEngine!)
    case .mpfi:
      results = certifyEach(data, table: table, engine: mpfiEngine!)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    return EpsilonResult(
      epsilon: epsilon, certified: results.map { $0.certified }, worstMarginLower: results.map { $0.worst }, seconds: seconds,
      falsified: falsified, counterexamples: counterexamples, domains: domains)
  }

  /// Margin lower bounds from the Float64 tier for every image, in batches.
  ///
  /// A dense/ReLU network runs one batch at a time, OpenBLAS's threads inside each product. A
  /// network with convolutions or pooling spends its time in loops of its own, so its batches
  /// (smaller ones) run on `threads` workers at once, BLAS on one thread in each.
  ///
  /// With `onlyUndecided`, CROWN skips the margins IBP settles (see `FastBounds.crown`); the
  /// certified images are the same.
  func fastMarginLowerBounds(_ data: AuditDataset, table: PixelBounds, method: BoundMethod, onlyUndecided: Bool) -> [[Double]] {
    let rows = network.classes - 1
    let parallel = threads > 1 && !network.layers.allSatisfy { $0 is DenseLayer || $0 is ReLULayer }
    let size = parallel ? FastBounds.parallelBatchSize : FastBounds.batchSize
    let batches = stride(from: 0, to: data.count, by: size).map { $0..<min(data.count, $0 + size) }
    let results = ResultSlots<[Double]>(count: data.count, initial: [])
    let fast = self.fast
    let work: @Sendable (Range<Int>, FastWorkspace) -> Void = { range, workspace in
      let batch = table.batch(data, range)
      let labels = data.labels[range]
      let bounds = method == .ibp
        ? fast.intervalBoundPropagation(batch, labels: labels, keepHidden: false, workspace)
        : fast.crown(batch, labels: labels, keepHidden: false, onlyUndecided: onlyUndecided, workspace)
      for (b, index) in range.enumerated() { results.set(index, Array(bounds.marginLower[(b * rows)..<((b + 1) * rows)])) }
    }
    if parallel {
      let blasThreads = BLAS.threads
      BLAS.threads = 1
      defer { BLAS.threads = blasThreads }
      let workers = min(threads, batches.count), next = ResultSlots<Int>(count: 0, initial: 0)
      DispatchQueue.concurrentPerform(iterations: workers) { _ in
        let workspace = FastWorkspace()
        while true {
          let k = next.finish() - 1  // a shared counter: each batch taken by one worker
          guard k < batches.count else { return }
          work(batches[k], workspace)
        }
      }
    } else {
      let workspace = FastWorkspace()
      for range in batches { work(range, workspace) }
    }
    return results.values
  }

  /// Bounds image by image in an enclosure arithmetic, `threads` images at a time: per image,
  /// whether it is certified and a lower bound of its worst margin rounded down to a Double.
  private func certifyEach<A: BoundArithmetic>(
    _ data: AuditDataset, table: PixelBounds, engine: IntervalBounds<A>
  ) -> [(certified: Bool, worst: Double)] {
    let results = ResultSlots(count: data.count, initial: (certified: false, worst: -Double.infinity))
    let method = self.method, progress = self.progress
    DispatchQueue.concurrentPerform(iterations: min(threads, max(1, data.count))) { worker in
      var index = worker
      while index < data.count {
        let box = table.box(data.image(index))
        let bounds = method == .ibp
          ? engine.intervalBoundPropagation(over: box, trueClass: data.labels[index])
          : engine.crown(over: box, trueClass: data.labels[index])
        results.set(index, (bounds.isCertified, Rounding.down(bounds.marginLower.min()!)))
        if let progress { progress(results.finish(), data.count) }
        index += threads
      }
    }
    return results.values
  }

  // MARK: - Clean accuracy

  /// Which images the exact network classifies correctly (the true class's logit strictly above
  /// every other), decided soundly: the Float64 tier's bounds at ε = 0 settle almost every image,
  /// exact evaluation the rest.
  public func cleanCorrect(_ data: AuditDataset) throws(AuditError) -> [Bool] {
    try check(data)
    let table = try PixelBounds(epsilon: 0)
    let rows = network.classes - 1
    let workspace = FastWorkspace()
    var result: [Bool] = []
    var first = 0
    while first < data.count {
      let range = first..<min(data.count, first + FastBounds.batchSize)
      let bounds = fast.intervalBoundPropagation(table.batch(data, range), labels: data.labels[range], keepHidden: false, workspace)
      for (b, index) in range.enumerated() {
        let low = bounds.marginLower[(b * rows)..<((b + 1) * rows)], high = bounds.marginUpper[(b * rows)..<((b + 1) * rows)]
        if low.allSatisfy({ $0 > 0 }) {
          result.append(true)
        } else if high.contains(where: { $0 <= 0 }) {
          result.append(false)
        } else {
          let x = data.image(index).map { Rational(Int($0), 255) }
          result.append(network.predictedClass(at: x) == data.labels[index])
        }
      }
      first = range.upperBound
    }
    return result
  }

  /// Clean accuracy and certified accuracy at each ε.
  public func run(_ data: AuditDataset, epsilons: [Rational]) throws(AuditError) -> RobustnessReport {
    let start = DispatchTime.now()
    let clean = try cleanCorrect(data)
    let cleanSeconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    var results: [EpsilonResult] = []
    for epsilon in epsilons { results.append(try certify(data, epsilon: epsilon)) }
    return RobustnessReport(
      widths: network.widths, method: method, tier: tier, cleanCorrect: clean, cleanSeconds: cleanSeconds, results: results)
  }
}

/// Per-image results written from several threads, each index by one thread only.
final class ResultSlots<Value>: @unchecked Sendable {
  private let storage: UnsafeMutableBufferPointer<Value>
  private let lock = NSLock()
  private var finished = 0
  init(count: Int, initial: Value) { storage = .allocate(capacity: count); storage.initialize(repeating: initial) }
  deinit { storage.deinitialize(); storage.deallocate() }
  func set(_ index: Int, _ value: Value) { storage[index] = value }
  /// Counts one more finished image; returns how many are done.
  func finish() -> Int { lock.withLock { finished += 1; return finished } }
  var values: [Value] { Array(storage) }
}
