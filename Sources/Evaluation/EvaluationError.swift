/// Why a term could not be evaluated: a value the environment lacks, a value that is not an exact
/// rational, a point outside a function's domain, or a former this evaluator does not handle.
///
/// Every case names what failed, so a property test that reports one can be read without a debugger.
public enum EvaluationError: Error, Equatable, Sendable {
  /// A dimension the term mentions has no value in the environment.
  case missingDimension(String)
  /// A dimension's value is below 1 (dimensions are integers >= 1).
  case invalidDimension(String, value: Int)
  /// A free index has no value in the environment.
  case missingIndex(String)
  /// A tensor the term reads has no value in the environment.
  case missingTensor(String)
  /// A named constant (`pi`, `eps`) has no value in the environment.
  case missingNamedConstant(String)
  /// The tensor's declared shape, evaluated at the environment's dimensions, differs from the shape
  /// of the value the environment gives it.
  case shapeMismatch(tensor: String, declared: [Int], given: [Int])
  /// A `TensorValue` whose number of entries is not the product of its shape (or a negative extent).
  case malformedTensorValue(shape: [Int], count: Int)
  /// One tensor name occurs with two different symbolic shapes, so one value cannot serve both.
  case conflictingShapes(tensor: String, shapes: [String])
  /// The value exists but is not a rational number (`2^(1/2)`), or is not known exactly (`exp(1)`).
  case notExact(String)
  /// The value does not exist: `0^-1`, `log(0)`, a fractional power of a negative number.
  case undefined(String)
  /// A former or situation this evaluator does not handle (`D`, `vjp`, an unbounded `forall`).
  case unsupported(String)
  /// Index arithmetic left the range of machine integers.
  case overflow(String)
}

extension EvaluationError: CustomStringConvertible {
  public var description: String {
    switch self {
    case let .missingDimension(name):
      return "no value for the dimension \(name)"
    case let .invalidDimension(name, value):
      return "the dimension \(name) = \(value) must be at least 1"
    case let .missingIndex(name):
      return "no value for the free index \(name)"
    case let .missingTensor(name):
      return "no value for the tensor \(name)"
    case let .missingNamedConstant(name):
      return "no value for the named constant \(name)"
    case let .shapeMismatch(tensor, declared, given):
      return "the tensor \(tensor) has shape \(declared) at these dimensions, but its value has shape \(given)"
    case let .malformedTensorValue(shape, count):
      return "a tensor value of shape \(shape) cannot hold \(count) entries"
    case let .conflictingShapes(tensor, shapes):
      return "the tensor \(tensor) occurs with different shapes: \(shapes.joined(separator: " and "))"
    case let .notExact(what):
      return "not an exact rational: \(what)"
    case let .undefined(what):
      return "undefined: \(what)"
    case let .unsupported(what):
      return "not supported by exact evaluation: \(what)"
    case let .overflow(what):
      return "integer overflow in \(what)"
    }
  }
}
