internal import Exact
public import ProofKernel

/// Draws random small environments for terms: the instances at which property tests evaluate both
/// sides of a statement.
///
/// Each dimension gets a size from `dimensions`, each free index a value from `indices`, each tensor
/// entry a fraction `n/d` with `n` from `numerators` and `d` from `denominators`, and each named
/// constant a positive fraction `n/d` with `n` from `1 ... max(1, numerators.upperBound)` (named
/// constants such as `pi` and `eps` are positive, and the kernel's positivity check relies on `pi >
/// 0`). Names are visited in sorted order, so a seed always gives the same environment.
///
/// ```swift
/// let env = try EnvironmentSampler().environment(for: [lhs, rhs], seed: 7)
/// var evaluator = ExactEvaluator(env)
/// #expect(try evaluator.value(of: lhs) == evaluator.value(of: rhs))
/// ```
public struct EnvironmentSampler: Sendable {
  /// Sizes of dimensions; keep the lower bound >= 1.
  public var dimensions: ClosedRange<Int>
  /// Values of free indices.
  public var indices: ClosedRange<Int>
  /// Numerators of tensor entries.
  public var numerators: ClosedRange<Int>
  /// Denominators of tensor entries and named constants; keep the lower bound >= 1.
  public var denominators: ClosedRange<Int>
  /// Copied to `Environment.uninterpretedFunctions`.
  public var uninterpretedFunctions: Bool

  public init(
    dimensions: ClosedRange<Int> = 1...4,
    indices: ClosedRange<Int> = 0...3,
    numerators: ClosedRange<Int> = -5...5,
    denominators: ClosedRange<Int> = 1...4,
    uninterpretedFunctions: Bool = true
  ) {
    precondition(dimensions.lowerBound >= 1, "dimensions are at least 1")
    precondition(denominators.lowerBound >= 1, "denominators are at least 1")
    self.dimensions = dimensions
    self.indices = indices
    self.numerators = numerators
    self.denominators = denominators
    self.uninterpretedFunctions = uninterpretedFunctions
  }

  /// A random environment giving a value to everything `symbols` lists.
  /// - Throws: `EvaluationError.malformedTensorValue` when a tensor's shape evaluates to a negative
  ///   extent at the drawn sizes (a shape such as `n - 2` with `n = 1`).
  public func environment(
    for symbols: Symbols, using generator: inout some RandomNumberGenerator
  ) throws -> Environment {
    var env = Environment(uninterpretedFunctions: uninterpretedFunctions)
    for name in symbols.dimensions.sorted() { env.dimensions[name] = generator.integer(in: dimensions) }
    for name in symbols.indices.sorted() { env.indices[name] = generator.integer(in: indices) }
    let evaluator = ExactEvaluator(env)
    for (name, symbolicShape) in symbols.tensors.sorted(by: { $0.key < $1.key }) {
      let shape = try symbolicShape.map { try evaluator.evaluate($0) }
      env.tensors[name] = try TensorValue(shape: shape) { _ in fraction(numerators, using: &generator) }
    }
    let positive = 1...max(1, numerators.upperBound)
    for name in symbols.named.sorted() { env.named[name] = fraction(positive, using: &generator) }
    env.functionSeed = generator.next()
    return env
  }

  /// A random environment for `terms` and `formulas`, drawn from a generator seeded with `seed`.
  /// - Throws: `EvaluationError.conflictingShapes` when one tensor name has two symbolic shapes, or
  ///   what `environment(for:using:)` throws.
  public func environment(for terms: [Term], formulas: [Proposition] = [], seed: UInt64) throws -> Environment {
    var generator = SplitMix64(seed: seed)
    return try environment(for: Symbols(terms, formulas: formulas), using: &generator)
  }

  private func fraction(_ numerators: ClosedRange<Int>, using generator: inout some RandomNumberGenerator) -> Rational {
    let n = generator.integer(in: numerators)
    return Rational(n, generator.integer(in: denominators))
  }
}
