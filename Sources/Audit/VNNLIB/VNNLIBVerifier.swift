import Dispatch
import Exact
import Intervals
import Train

/// What a VNN-LIB property was found to be.
public enum VNNLIBResult: Sendable, Equatable {
  /// No input of the box maps into the output region: proved, with sound bounds.
  case unsat
  /// An input of the box that maps into the region, checked in exact arithmetic; with its outputs.
  case sat(input: [Rational], outputs: [Rational])
  /// Neither proved nor violated within the bounds and the search.
  case unknown

  /// `unsat`, `sat` or `unknown`, as VNN-COMP writes results.
  public var name: String {
    switch self {
    case .unsat: return "unsat"
    case .sat: return "sat"
    case .unknown: return "unknown"
    }
  }
}

/// The decision of one property, with what it took.
public struct VNNLIBVerdict: Sendable {
  public let result: VNNLIBResult
  /// Disjuncts of the output region proved empty over the box, of `disjuncts`.
  public let disjunctsProved: Int
  public let disjuncts: Int
  public let seconds: Double
}

/// Decides VNN-LIB properties of a network soundly.
///
/// A disjunct of a case's region (a conjunction `a_k · y ≤ d_k`) is empty over the case's box when
/// one of its constraints is violated everywhere: a sound lower bound of `a_k · y − d_k` over the
/// box above 0 (at or above 0 for a strict constraint), by IBP, then CROWN, in the chosen tier:
/// exact or MPFI arithmetic (`IntervalBounds`), or Float64 with rigorous error terms
/// (`FastBounds`). The property is `unsat` when every disjunct of every case is empty. Otherwise
/// a projected gradient search (in Float64 from the centre, random corners and random points; no
/// soundness needed) looks for an input in a box whose
/// outputs satisfy one of the box's open disjuncts; a candidate counts only after the exact
/// network, in rationals, puts it in the region: then `sat`. Else `unknown`.
///
/// ```swift
/// let property = try VNNLIBProperty(contentsOf: "prop.vnnlib")
/// let verdict = try VNNLIBVerifier(network: net, arithmetic: MPFIArithmetic(precision: 128)).decide(property)
/// verdict.result.name   // "unsat"
/// ```
public struct VNNLIBVerifier: Sendable {
  public let network: LayerNetwork
  /// Sound lower bounds over a box of `rows · y + constants`; nil where there is none.
  private let lowerBounds: @Sendable (InputBox, [[Rational]], [Rational], BoundMethod) -> [Rational?]
  /// Gradient steps per start of the search, and starts (the box's centre, then random corners
  /// and random interior points in turn).
  public var steps = 200
  public var restarts = 10
  /// Seeds the random starts.
  public var seed: UInt64 = 0
  /// Stop the search after this many seconds (the bounds always finish).
  public var timeout: Double = 60
  private let layers: [any FastTransformer]

  /// Bounds in `arithmetic`: exact rationals or MPFI intervals.
  /// - Throws: `AuditError.unsupportedLayer` for a layer without a Float64 transformer (the search
  ///   runs through its forward map and pullback).
  public init<Arithmetic: BoundArithmetic>(network: LayerNetwork, arithmetic: Arithmetic) throws(AuditError) {
    let bounds = IntervalBounds(network: network, arithmetic: arithmetic)
    try self.init(network: network) { box, rows, constants, method in
      bounds.lowerBounds(over: box, of: rows, plus: constants, method: method).map { Optional($0) }
    }
  }

  /// Bounds in the Float64 tier (`FastBounds`): sound, faster, slightly looser.
  /// - Throws: `AuditError.unsupportedLayer` for a layer without a Float64 transformer.
  public static func fast(network: LayerNetwork) throws(AuditError) -> VNNLIBVerifier {
    let bounds = try FastBounds(network: network)
    return try VNNLIBVerifier(network: network) { box, rows, constants, method in
      bounds.lowerBounds(over: box, of: rows, plus: constants, method: method).map { try? Rational(exactly: $0) }
    }
  }

  private init(
    network: LayerNetwork, lowerBounds: @escaping @Sendable (InputBox, [[Rational]], [Rational], BoundMethod) -> [Rational?]
  ) throws(AuditError) {
    self.network = network
    self.lowerBounds = lowerBounds
    layers = try fastTransformers(network.layers)
  }

  /// Decides `property`.
  /// - Throws: `AuditError.invalidArgument` when the property's inputs or outputs do not match the
  ///   network's.
  public func decide(_ property: VNNLIBProperty) throws(AuditError) -> VNNLIBVerdict {
    guard property.inputCount == network.inputWidth else {
      throw AuditError.invalidArgument("the property declares \(property.inputCount) inputs X_i, the network takes \(network.inputWidth)")
    }
    guard property.outputCount == network.classes else {
      throw AuditError.invalidArgument("the property declares \(property.outputCount) outputs Y_j, the network gives \(network.classes)")
    }
    let start = DispatchTime.now().uptimeNanoseconds
    func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    // Per case, the disjuncts not proved empty over its box.
    let open = property.cases.map { c in c.disjuncts.indices.filter { !isEmpty(c.disjuncts[$0], over: c.box) } }
    let total = property.disjunctCount
    let proved = total - open.reduce(0) { $0 + $1.count }
    if proved == total {
      return VNNLIBVerdict(result: .unsat, disjunctsProved: proved, disjuncts: total, seconds: seconds())
    }
    let deadline = start + UInt64(max(timeout, 0) * 1e9)
    var found: VNNLIBResult?
    for (c, disjuncts) in zip(property.cases, open) where !disjuncts.isEmpty && found == nil {
      found = search(c, disjuncts: disjuncts, until: deadline)
    }
    return VNNLIBVerdict(result: found ?? .unknown, disjunctsProved: proved, disjuncts: total, seconds: seconds())
  }

  /// Whether some constraint of `conjunction` is violated at every point of `box`, soundly.
  private func isEmpty(_ conjunction: [OutputConstraint], over box: InputBox) -> Bool {
    guard !conjunction.isEmpty else { return false }
    let rows = conjunction.map(\.coefficients), constants = conjunction.map { -$0.bound }
    for method in [BoundMethod.ibp, .crown] {
      let lower = lowerBounds(box, rows, constants, method)
      if zip(lower, conjunction).contains(where: { bound, c in bound.map { c.strict ? $0 >= 0 : $0 > 0 } ?? false }) { return true }
    }
    return false
  }

  // MARK: the search

  /// A point of the box in the region, checked exactly, or nil: the box's centre (exactly), then
  /// projected signed-gradient descent on the disjunct's largest violation from the centre, then
  /// from random corners and random interior points in turn (`restarts` starts in all, each
  /// `steps` steps), every candidate checked exactly.
  ///
  /// The descent runs in Float64 over the Doubles of the box. An interval that holds no Double
  /// (narrower than their spacing and not ending at one: a pixel fixed at a decimal such as
  /// `0.3588235378265381`, as properties write images) keeps its coordinate at its lower end, an
  /// exact rational, in every candidate; the descent reads the nearest Double there. Without this
  /// a box with one such coordinate had no Double point at all and only its centre was tried.
  private func search(_ part: VNNLIBCase, disjuncts: [Int], until deadline: UInt64) -> VNNLIBResult? {
    let box = part.box
    if let result = check(box.lower.indices.map { (box.lower[$0] + box.upper[$0]) / 2 }, part) { return result }
    var lower = box.lower.map(Rounding.up), upper = box.upper.map(Rounding.down)
    var pinned: [Int: Rational] = [:]
    for i in lower.indices where lower[i] > upper[i] {
      pinned[i] = box.lower[i]
      (lower[i], upper[i]) = (Double(box.lower[i]), Double(box.lower[i]))
    }
    func candidate(_ x: [Double]) -> [Rational] { x.indices.map { pinned[$0] ?? (try! Rational(exactly: x[$0])) } }
    let width = zip(lower, upper).map { $1 - $0 }
    var random = RandomSource(seed: seed)
    for start in 0..<restarts {
      for d in disjuncts {
        var x = zip(lower, upper).map { ($0 + $1) / 2 }
        if start % 2 == 1 {
          for i in x.indices { x[i] = random.uniform() < 0.5 ? lower[i] : upper[i] }
        } else if start > 0 {
          for i in x.indices { x[i] = min(lower[i] + width[i] * random.uniform(), upper[i]) }
        }
        for step in 0..<steps {
          if DispatchTime.now().uptimeNanoseconds > deadline { return nil }
          let (worst, gradient) = violationGradient(x, part.disjuncts[d])
          if worst <= 0, let result = check(candidate(x), part) { return result }
          // Signed steps shrinking from a quarter of the box's width: large moves first.
          let size = 0.25 * (1 - Double(step) / Double(steps)) + 0.01
          for i in x.indices where gradient[i] != 0 {
            x[i] = min(max(x[i] - (gradient[i] > 0 ? size : -size) * width[i], lower[i]), upper[i])
          }
        }
        if let result = check(candidate(x), part) { return result }
      }
    }
    return nil
  }

  /// `.sat` when the exact network maps `point` (in the box) into the region. A network with a
  /// layer known only by enclosures (a folded batch norm) counts a point only when the enclosures
  /// of the outputs put every constraint of some disjunct beyond doubt; its reported outputs are
  /// then the enclosures' midpoints.
  private func check(_ point: [Rational], _ part: VNNLIBCase) -> VNNLIBResult? {
    guard part.box.contains(point) else { return nil }
    if network.isRational {
      let outputs = network.logits(at: point)
      return part.isViolated(by: outputs) ? .sat(input: point, outputs: outputs) : nil
    }
    let enclosures = network.logitEnclosures(at: point)
    let certain = part.disjuncts.contains { conjunction in
      conjunction.allSatisfy { c in
        // The largest value of a · y over the enclosures, against the bound.
        let largest = zip(c.coefficients, enclosures).reduce(Rational(0)) { $0 + ($1.0 >= 0 ? $1.0 * $1.1.upper : $1.0 * $1.1.lower) }
        return c.strict ? largest < c.bound : largest <= c.bound
      }
    }
    return certain ? .sat(input: point, outputs: enclosures.map { ($0.lower + $0.upper) / 2 }) : nil
  }

  /// The largest `a_k · y(x) − d_k` of the conjunction in Float64 (at most 0 where all hold) and
  /// its gradient in `x`.
  private func violationGradient(_ x: [Double], _ conjunction: [OutputConstraint]) -> (Double, [Double]) {
    var inputs: [[Double]] = []
    var h = x
    for layer in layers {
      inputs.append(h)
      h = layer.forward(h)
    }
    let values = conjunction.map { c in zip(c.coefficients, h).reduce(0.0) { $0 + Double($1.0) * $1.1 } - Double(c.bound) }
    guard let k = values.indices.max(by: { values[$0] < values[$1] }) else { return (0, x.map { _ in 0 }) }
    var delta = conjunction[k].coefficients.map { Double($0) }
    for layer in stride(from: layers.count - 1, through: 0, by: -1) {
      delta = layers[layer].pullback(delta, at: inputs[layer])
    }
    return (values[k], delta)
  }
}
