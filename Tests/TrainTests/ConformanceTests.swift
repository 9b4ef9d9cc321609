import Certificates
import Evaluation
import Exact
import Intervals
import Foundation
import ProofKernel
import Testing
@testable import Train

/// The trainer's kernels held to the formulas of their certificates: on random small instances,
/// each block's forward and every backward rule, run in Double by the very kernels the Float step
/// uses, agree with the certified formula evaluated exactly (GMP) — or, where a transcendental
/// function is involved, with its MPFI enclosure at 256 bits.
@Suite("Conformance of the trainer's kernels to their certificates")
struct ConformanceTests {
  /// Replays the certificate of `rule` (from the repository's store) and returns its theorem.
  func certified(_ rule: String) throws -> Theorem {
    let entry = try #require(try testStore.entries().first { $0.name == rule && $0.source == RuleCertification.source(of: rule) })
    return try Replay.replay(testStore.load(entry)).theorem
  }

  /// A random dyadic value k/8, exactly representable in Double and as a Rational.
  func value(_ rng: inout SplitMix64) -> Double { Double(Int(rng.next() % 33) - 16) / 8 }

  /// The certified term's value in an environment, as an interval (a point when exact).
  func enclose(_ t: Term, _ env: Environment) throws -> (lower: Double, upper: Double) {
    var exact = ExactEvaluator(env)
    if let v = try? exact.value(of: t) { let d = Double(v); return (d, d) }
    var dual = DualEvaluator<Interval>(env, precision: 256)
    return try dual.value(of: t).doubleBounds
  }

  func expectClose(_ x: Double, _ enclosure: (lower: Double, upper: Double), _ what: String) {
    let tolerance = 1e-12 * max(1, abs(x))
    #expect(x >= enclosure.lower - tolerance && x <= enclosure.upper + tolerance, "\(what): \(x) outside \(enclosure)")
  }

  /// Runs `block`'s forward and backward on random operands of the given shapes and compares with
  /// the certificates of its rules.
  /// `sizes` are dimensions the block's kernels take as scalar operands too (a convolution's `P`).
  func check<B: CertifiedBlock>(_ block: B.Type, dims: [String: Int], shapes: [String: [String]], constants: [String: Double] = [:],
                                sizes: [String] = [], seed: UInt64, adjust: (inout [String: [Double]]) -> Void = { _ in }) throws {
    var rng = SplitMix64(seed: seed)
    var values: [String: [Double]] = [:]
    for (name, shape) in shapes.sorted(by: { $0.key < $1.key }) {
      let count = shape.reduce(1) { $0 * dims[$1]! }
      values[name] = (0..<count).map { _ in value(&rng) }
    }
    adjust(&values)
    var operands: [String: Train.Tensor<Double>] = [:]
    for (name, shape) in shapes { operands[name] = Train.Tensor(shape: shape.map { dims[$0]! }, scalars: values[name]!) }
    for (name, c) in constants { operands[name] = Train.Tensor(shape: [], scalars: [c]) }
    for name in sizes { operands[name] = Train.Tensor(shape: [], scalars: [Double(dims[name]!)]) }
    var env = Environment(dimensions: dims)
    for (name, shape) in shapes {
      env.tensors[name] = try TensorValue(shape: shape.map { dims[$0]! }, values: values[name]!.map { try Rational(exactly: $0) })
    }
    for (name, c) in constants { env.named[name] = try Rational(exactly: c) }

    let results = try B.backward(operands)
    let forward = try B.forward(operands)
    for rule in B.ruleNames {
      let theorem = try certified(rule)
      guard case let .vjp(v) = theorem.lhs.node else { Issue.record("\(rule) is not a vjp"); continue }
      // Forward: the output definition at each output index.
      if rule == B.ruleNames.first {
        let outputShape = v.shape.map { size($0, dims) }
        for (k, index) in indices(outputShape).enumerated() {
          var at = env
          for (b, i) in zip(v.binders, index) { at.indices[b] = i }
          expectClose(forward.scalars[k], try enclose(v.output, at), "\(B.certifiedBlock) forward at \(index)")
        }
      }
      // Backward: the rule's right side at each index of the input's shape.
      let names = v.at.map { $0.terms[0].variable.name }
      let shape = v.wrt.shape.map { size($0, dims) }
      let computed = try #require(results[rule])
      for (k, index) in indices(shape).enumerated() {
        var at = env
        for (n, i) in zip(names, index) { at.indices[n] = i }
        expectClose(computed.scalars[k], try enclose(theorem.rhs, at), "\(rule) at \(index)")
      }
    }
  }

  /// The value of a size (`OH`, or `OH + 2` in a stride-1 max pooling's input) at `dims`.
  func size(_ e: Affine, _ dims: [String: Int]) -> Int {
    e.terms.reduce(e.constant) { $0 + $1.coefficient * dims[$1.variable.name]! }
  }

  func indices(_ shape: [Int]) -> [[Int]] {
    shape.reduce([[]]) { partial, n in partial.flatMap { p in (0..<n).map { p + [$0] } } }
  }

  @Test func dense() throws {
    for seed in 0..<5 as Range<UInt64> {
      try check(Dense.self, dims: ["I": 3, "O": 2], shapes: ["x": ["I"], "W": ["O", "I"], "b": ["O"], "dy": ["O"]], seed: seed)
    }
  }

  /// The graph blocks: both inputs' rules, on one example and on a batch.
  @Test func addAndMul() throws {
    for seed in 0..<5 as Range<UInt64> {
      try check(Add.self, dims: ["n": 5], shapes: ["x": ["n"], "z": ["n"], "dy": ["n"]], seed: seed)
      try check(Mul.self, dims: ["n": 5], shapes: ["x": ["n"], "z": ["n"], "dy": ["n"]], seed: seed)
    }
  }

  @Test func elementwise() throws {
    for seed in 0..<5 as Range<UInt64> {
      // ReLU's certificate holds away from 0: the instances avoid it.
      try check(ReLU.self, dims: ["n": 4], shapes: ["x": ["n"], "dy": ["n"]], seed: seed) { v in
        v["x"] = v["x"]!.map { $0 == 0 ? 0.5 : $0 }
      }
      try check(Sigmoid.self, dims: ["n": 4], shapes: ["x": ["n"], "dy": ["n"]], seed: seed)
      try check(Tanh.self, dims: ["n": 4], shapes: ["x": ["n"], "dy": ["n"]], seed: seed)
      try check(Dropout.self, dims: ["n": 4], shapes: ["x": ["n"], "m": ["n"], "dy": ["n"]], constants: ["p": 0.75], seed: seed) { v in
        v["m"] = v["m"]!.map { $0 > 0 ? 1 : 0 }
      }
    }
  }

  @Test func losses() throws {
    for seed in 0..<5 as Range<UInt64> {
      // Softmax cross-entropy's certificate assumes t sums to 1: a one-hot target, as trained.
      try check(SoftmaxCrossEntropy.self, dims: ["n": 4], shapes: ["z": ["n"], "t": ["n"]], seed: seed) { v in
        let k = Int(seed) % 4
        v["t"] = (0..<4).map { $0 == k ? 1 : 0 }
      }
      try check(MeanSquaredError.self, dims: ["n": 3], shapes: ["y": ["n"], "t": ["n"]], seed: seed)
    }
  }
}
