import ProofKernel

/// The column loops of the formula evaluator: each runs down `rows` values, with the choice of
/// operation made once outside the loop so the loop body is straight-line code LLVM can vectorize.
enum FormulaKernels {
  /// `f(a)` in scalar arithmetic, as the columns compute it.
  ///
  /// `step(0) = 0` (the trainer's `relu'(0)`, outside the rule's side condition `a != 0`);
  /// `sigmoid` in the stable form of the `Sigmoid` layer; `gelu(a) = a (1 + erf(a/√2)) / 2`, the
  /// kernel's definition.
  @inline(__always) static func apply<S: FormulaScalar>(_ f: ScalarFunction, _ a: S) -> S {
    switch f {
    case .relu: return a > 0 ? a : 0
    case .step: return a > 0 ? 1 : 0
    case .exp: return S.exponential(a)
    case .log: return S.logarithm(a)
    case .tanh: return S.hyperbolicTangent(a)
    case .sigmoid: return sigmoid(a)
    case .erf: return S.errorFunction(a)
    case .gelu: return gelu(a)
    }
  }

  @inline(__always) static func sigmoid<S: FormulaScalar>(_ a: S) -> S {
    if a >= 0 { return 1 / (1 + S.exponential(-a)) }
    let e = S.exponential(a)
    return e / (1 + e)
  }

  @inline(__always) static func gelu<S: FormulaScalar>(_ a: S) -> S {
    a * (1 + S.errorFunction(a * S(0.70710678118654752440))) / 2
  }

  /// `out = f(a)` down a column.
  static func apply<S: FormulaScalar>(_ f: ScalarFunction, _ a: UnsafeMutablePointer<S>, into out: UnsafeMutablePointer<S>, rows: Int) {
    switch f {
    case .relu: for b in 0..<rows { let v = a[b]; out[b] = v > 0 ? v : 0 }
    case .step: for b in 0..<rows { out[b] = a[b] > 0 ? 1 : 0 }
    case .exp: for b in 0..<rows { out[b] = S.exponential(a[b]) }
    case .log: for b in 0..<rows { out[b] = S.logarithm(a[b]) }
    case .tanh: for b in 0..<rows { out[b] = S.hyperbolicTangent(a[b]) }
    case .sigmoid: for b in 0..<rows { out[b] = sigmoid(a[b]) }
    case .erf: for b in 0..<rows { out[b] = S.errorFunction(a[b]) }
    case .gelu: for b in 0..<rows { out[b] = gelu(a[b]) }
    }
  }

  /// `a ^ q` in scalar arithmetic: small integer powers by multiplication, `q = ±1/2` by square
  /// roots, other exponents by `pow`.
  @inline(__always) static func power<S: FormulaScalar>(_ a: S, _ q: PowerKind<S>) -> S {
    switch q {
    case .square: return a * a
    case .cube: return a * a * a
    case .reciprocal: return 1 / a
    case .reciprocalSquare: return 1 / (a * a)
    case .squareRoot: return a.squareRoot()
    case .reciprocalSquareRoot: return 1 / a.squareRoot()
    case .general(let y): return S.power(a, y)
    }
  }

  /// `out = a ^ q` down a column.
  static func power<S: FormulaScalar>(_ a: UnsafeMutablePointer<S>, _ q: PowerKind<S>, into out: UnsafeMutablePointer<S>, rows: Int) {
    switch q {
    case .square: for b in 0..<rows { out[b] = a[b] * a[b] }
    case .cube: for b in 0..<rows { out[b] = a[b] * a[b] * a[b] }
    case .reciprocal: for b in 0..<rows { out[b] = 1 / a[b] }
    case .reciprocalSquare: for b in 0..<rows { out[b] = 1 / (a[b] * a[b]) }
    case .squareRoot: for b in 0..<rows { out[b] = a[b].squareRoot() }
    case .reciprocalSquareRoot: for b in 0..<rows { out[b] = 1 / a[b].squareRoot() }
    case .general(let y): for b in 0..<rows { out[b] = S.power(a[b], y) }
    }
  }

  /// `out = value` down a column.
  static func fill<S: FormulaScalar>(_ out: UnsafeMutablePointer<S>, _ value: S, rows: Int) {
    for b in 0..<rows { out[b] = value }
  }

  /// `out = c + a`.
  static func add<S: FormulaScalar>(_ c: S, _ a: UnsafeMutablePointer<S>, into out: UnsafeMutablePointer<S>, rows: Int) {
    for b in 0..<rows { out[b] = c + a[b] }
  }

  /// `out += a`.
  static func accumulate<S: FormulaScalar>(_ a: UnsafeMutablePointer<S>, into out: UnsafeMutablePointer<S>, rows: Int) {
    for b in 0..<rows { out[b] += a[b] }
  }

  /// `out = c * a * d`.
  static func multiply<S: FormulaScalar>(_ c: S, _ a: UnsafeMutablePointer<S>, _ d: UnsafeMutablePointer<S>, into out: UnsafeMutablePointer<S>, rows: Int) {
    for b in 0..<rows { out[b] = c * a[b] * d[b] }
  }

  /// `out = c * a`.
  static func scale<S: FormulaScalar>(_ c: S, _ a: UnsafeMutablePointer<S>, into out: UnsafeMutablePointer<S>, rows: Int) {
    for b in 0..<rows { out[b] = c * a[b] }
  }

  /// `out *= a`.
  static func multiply<S: FormulaScalar>(_ a: UnsafeMutablePointer<S>, into out: UnsafeMutablePointer<S>, rows: Int) {
    for b in 0..<rows { out[b] *= a[b] }
  }
}

/// An exponent, classified once at compile time.
enum PowerKind<S: FormulaScalar> {
  case square, cube, reciprocal, reciprocalSquare, squareRoot, reciprocalSquareRoot
  case general(S)
}
