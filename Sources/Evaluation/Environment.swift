public import Exact

/// The values one evaluation uses: a size for each dimension, a value for each free index, an
/// array for each tensor and a number for each named constant.
///
/// A theorem is universally quantified over its dimensions, tensors and free indices; an environment
/// picks one instance. Dimensions must be at least 1; indices are arbitrary integers (an access
/// outside a tensor's shape reads 0).
///
/// ```swift
/// let env = Environment(
///   dimensions: ["n": 3],
///   tensors: ["x": try TensorValue(shape: [3], values: [1, 2, 3])])
/// var evaluator = ExactEvaluator(env)
/// ```
public struct Environment: Equatable, Sendable {
  /// The size of each dimension symbol, each >= 1.
  public var dimensions: [String: Int]
  /// The value of each free index.
  public var indices: [String: Int]
  /// The value of each tensor, by name; its shape must be the tensor's declared shape evaluated at
  /// `dimensions`.
  public var tensors: [String: TensorValue]
  /// The value of each named constant (`pi`, `eps`).
  public var named: [String: Rational]
  /// When true, a transcendental function at a point where its value is not rational (`exp(1)`)
  /// returns a pseudo-random rational fixed by the function, the argument and `functionSeed`,
  /// instead of throwing `EvaluationError.notExact` (see `ExactEvaluator` for the values chosen):
  /// the functions become uninterpreted, for checking identities that hold for every
  /// interpretation.
  public var uninterpretedFunctions: Bool
  /// Selects one interpretation of the uninterpreted functions; different seeds give independent
  /// values.
  public var functionSeed: UInt64

  public init(
    dimensions: [String: Int] = [:],
    indices: [String: Int] = [:],
    tensors: [String: TensorValue] = [:],
    named: [String: Rational] = [:],
    uninterpretedFunctions: Bool = false,
    functionSeed: UInt64 = 0
  ) {
    self.dimensions = dimensions
    self.indices = indices
    self.tensors = tensors
    self.named = named
    self.uninterpretedFunctions = uninterpretedFunctions
    self.functionSeed = functionSeed
  }
}
