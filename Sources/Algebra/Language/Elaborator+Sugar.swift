internal import Exact
internal import ProofKernel

// Functions of the theorem language that are not kernel functions but abbreviations of kernel
// terms (Docs/TheoremLanguage.md, "What expressions mean"). Writing them with `relu` keeps the
// kernel and its derivative table as they are, and makes their side conditions the relu kink's:
// `max(a, b)` and `min(a, b)` are differentiable where `a - b != 0` (the arguments differ, no tie),
// `abs(a)` where `a != 0`. A certificate stores the kernel term, so it prints with `relu`.

extension Elaborator {
  /// The number of arguments of each abbreviation.
  static let sugarArity: [String: Int] = ["max": 2, "min": 2, "abs": 1, "sqrt": 1]

  /// The kernel term an abbreviation stands for, or nil for a kernel function:
  ///
  ///     max(a, b) = b + relu(a - b)
  ///     min(a, b) = a - relu(a - b)
  ///     abs(a)    = relu(a) + relu(-a)
  ///     sqrt(a)   = a ^ (1/2)
  ///
  /// Both `max` and `min` put `a - b` inside the `relu`, so the tie condition of either is
  /// `a - b != 0`, and `assume forall k: n. a[k] != b[k]` (which reads as exactly that) covers it.
  static func sugar(_ name: String, _ arguments: [Term]) throws -> Term? {
    switch (name, arguments.count) {
    case ("max", 2):
      return .add([arguments[1], .apply(.relu, difference(arguments[0], arguments[1]))])
    case ("min", 2):
      return .add([arguments[0], negate(.apply(.relu, difference(arguments[0], arguments[1])))])
    case ("abs", 1):
      return .add([.apply(.relu, arguments[0]), .apply(.relu, negate(arguments[0]))])
    case ("sqrt", 1):
      return .power(arguments[0], Rational(1, 2))
    default:
      return nil
    }
  }

  /// `a - b` as the parser reads it: `a + (-b)`, with `-b` as `negate` writes it.
  static func difference(_ a: Term, _ b: Term) -> Term { .add([a, negate(b)]) }
}
