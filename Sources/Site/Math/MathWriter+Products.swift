import Exact
import ProofKernel

// Sums of terms, products (as fractions where factors have negative exponents) and powers.
extension MathWriter {
  /// `a + b − c`: an operand with a negative leading coefficient is written with a minus sign.
  func addition(_ ts: [Term], path: [Int], precedence: Int) -> String {
    var out = ""
    for (k, t) in ts.enumerated() {
      if k == 0 {
        // A nested sum as the first operand keeps its parentheses (as the text form does).
        out += term(t, path: path + [k], precedence: t.isAddition ? 1 : 0)
      } else if let positive = t.negated {
        out += "<mo>&#x2212;</mo>" + term(positive, path: path + [k], precedence: 1)
      } else {
        out += "<mo>+</mo>" + term(t, path: path + [k], precedence: 1)
      }
    }
    return Math.parenthesized("<mrow>\(out)</mrow>", if: precedence > 0)
  }

  /// A product of `factors` (each with its path), written as one fraction: rational constants
  /// split into numerator and denominator, factors `b ^ q` with `q < 0` go below the bar as
  /// `b ^ -q`, the sign in front.
  func product(_ factors: [(term: Term, path: [Int])], precedence: Int) -> String {
    var negative = false
    var numerator: [String] = [], denominator: [String] = []
    func focused(_ body: String, _ path: [Int]) -> String { path == focus ? "<mrow class=\"focus\">\(body)</mrow>" : body }
    for (t, path) in factors {
      switch t.node {
      case let .constant(q):
        if q.signum < 0 { negative.toggle() }
        let n = q.magnitude.numerator.description, d = q.denominator.description
        if n != "1" || d == "1" && factors.count == 1 { numerator.append(focused(Math.number(n), path)) }
        if d != "1" { denominator.append(focused(Math.number(d), n == "1" ? path : [-1])) }
      case let .power(b, q) where q.signum < 0:
        denominator.append(focused(positivePower(b, Rational(0) - q, path: path), path))
      default:
        numerator.append(term(t, path: path, precedence: factors.count > 1 ? 2 : precedence))
      }
    }
    let top = numerator.isEmpty ? Math.number("1") : Math.juxtaposed(numerator)
    var out = denominator.isEmpty ? top : "<mfrac>\(top)\(Math.juxtaposed(denominator))</mfrac>"
    if negative { out = "<mrow><mo>&#x2212;</mo>\(out)</mrow>" }
    return Math.parenthesized(out, if: precedence > 1 || (negative && precedence > 0))
  }

  /// `b ^ q`: a root for `q = 1/2`, a fraction for a negative `q`, a superscript otherwise.
  func power(_ b: Term, _ q: Rational, path: [Int], precedence: Int, whole: Term) -> String {
    if q.signum < 0 { return product([(whole, path)], precedence: precedence) }
    return Math.parenthesized(positivePower(b, q, path: path), if: precedence > 2)
  }

  /// `b ^ q` for `q > 0`; the base is child 0 of the power at `path`.
  func positivePower(_ b: Term, _ q: Rational, path: [Int]) -> String {
    let base = path + [0]
    if q == Rational(1) { return term(b, path: base, precedence: 2) }
    if q == Rational(1, 2) { return "<msqrt>\(term(b, path: base))</msqrt>" }
    let exponent = q.isInteger
      ? Math.number(q.description)
      : "<mfrac>\(Math.number(q.numerator.description))\(Math.number(q.denominator.description))</mfrac>"
    return "<msup>\(term(b, path: base, precedence: 3))\(exponent)</msup>"
  }
}

extension Math {
  /// Factors side by side with an invisible times (U+2062), a visible dot between two numbers.
  static func juxtaposed(_ factors: [String]) -> String {
    guard factors.count > 1 else { return factors.first ?? "" }
    var out = factors[0]
    for (previous, next) in zip(factors, factors.dropFirst()) {
      let numbers = previous.hasSuffix("</mn>") && next.hasPrefix("<mn>")
      out += (numbers ? "<mo>&#x22C5;</mo>" : "<mo>&#x2062;</mo>") + next
    }
    return "<mrow>\(out)</mrow>"
  }
}

extension Term {
  var isAddition: Bool { if case .add = node { return true } else { return false } }

  /// `-t` for a negative constant or a product led by one (`(-2) * x` gives `2 * x`): how an
  /// operand after the first is written with a minus sign. The factors keep their positions.
  var negated: Term? {
    switch node {
    case let .constant(q) where q.signum < 0: return .constant(Rational(0) - q)
    case let .mul(fs):
      guard case let .constant(q) = fs[0].node, q.signum < 0 else { return nil }
      return .mul([.constant(Rational(0) - q)] + fs.dropFirst())
    default: return nil
    }
  }
}
