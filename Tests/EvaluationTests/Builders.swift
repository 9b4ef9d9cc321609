import Evaluation
import Exact
import ProofKernel

// Short builders for terms in tests: `i("j")` is the index j, `d("n")` the dimension n, and so on.

func i(_ name: String) -> Affine { try! .index(name) }
func d(_ name: String) -> Affine { try! .dimension(name) }
func c(_ value: Int) -> Affine { .constant(value) }
func affine(_ constant: Int = 0, _ terms: (Affine, Int)...) -> Affine {
  terms.reduce(c(constant)) { try! $0.plus($1.0.scaled(by: $1.1)) }
}
func minus(_ a: Affine, _ b: Affine) -> Affine { try! a.plus(b.scaled(by: -1)) }
func plus(_ a: Affine, _ k: Int) -> Affine { try! a.plus(.constant(k)) }

func axis(_ index: String, _ size: Affine) -> Guard { try! .axis(index, size: size) }
func vector(_ name: String, _ size: String = "n") -> TensorSymbol { try! TensorSymbol(name, shape: [d(size)]) }
func at(_ t: TensorSymbol, _ idx: Affine...) -> Term { try! .access(t, idx) }
func sum(_ b: String, _ size: Affine, _ body: Term) -> Term { try! .sum([b], axis(b, size), body) }
func q(_ p: Int, _ r: Int = 1) -> Term { .constant(Rational(p, r)) }
func r(_ p: Int, _ q: Int = 1) -> Rational { Rational(p, q) }
func * (a: Term, b: Term) -> Term { .mul([a, b]) }
func + (a: Term, b: Term) -> Term { .add([a, b]) }
func pow(_ a: Term, _ p: Int, _ r: Int = 1) -> Term { .power(a, Rational(p, r)) }
func apply(_ f: ScalarFunction, _ a: Term) -> Term { .apply(f, a) }
func dim(_ name: String) -> Term { try! .dimension(name) }

/// A vector value.
func values(_ xs: Rational...) -> TensorValue { try! TensorValue(shape: [xs.count], values: xs) }

/// The exact value of `t` in an environment.
func value(_ t: Term, _ env: Environment) throws -> Rational {
  var evaluator = ExactEvaluator(env)
  return try evaluator.value(of: t)
}

/// Whether `f` holds in an environment.
func holds(_ f: Proposition, _ env: Environment) throws -> Bool {
  var evaluator = ExactEvaluator(env)
  return try evaluator.holds(f)
}
