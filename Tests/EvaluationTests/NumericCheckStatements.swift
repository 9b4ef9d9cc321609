import Evaluation
import Exact
import ProofKernel

/// The layers and losses the numeric-check tests state rules about, built with kernel constructors.
enum Layers {
  // MARK: Dense: y[o] = sum(i: I) W[o, i] * x[i] + b[o]

  static let weights = tensor("W", "O", "I"), input = tensor("x", "I"), bias = tensor("b", "O"), upstream = tensor("dy", "O")
  static let dense = define(
    "y", [("o", "O")], sum("i", d("I"), access(weights, "o", "i") * access(input, "i")) + access(bias, "o"))

  // MARK: Elementwise layers over n: y[k] = f(x[k])

  static let x = tensor("x", "n"), dy = tensor("dy", "n"), dx = tensor("dx", "n")
  static func elementwise(_ f: ScalarFunction) -> Definition { define("y", [("k", "n")], apply(f, access(x, "k"))) }
  static func xAt(_ k: String) -> Term { access(x, k) }

  // MARK: Softmax cross-entropy: L = -sum(i: n) t[i] * (z[i] - log(sum(j: n) exp(z[j])))

  static let logits = tensor("z", "n"), targets = tensor("t", "n")
  static var partition: Term { sum("j", d("n"), apply(.exp, access(logits, "j"))) }
  static var crossEntropy: Term {
    -sum("i", d("n"), access(targets, "i") * (access(logits, "i") - apply(.log, partition)))
  }
  /// `softmax(z)[k] - t[k]`.
  static var crossEntropyGradient: Term { apply(.exp, access(logits, "k")) * pow(partition, -1) - access(targets, "k") }
  static let targetsSumToOne = Proposition.equal(sum("i", d("n"), access(targets, "i")), q(1))

  // MARK: Mean squared error: (1/n) sum(i: n) (x[i] - t[i])^2

  static var meanSquaredError: Term { pow(dim("n"), -1) * sum("i", d("n"), pow(access(x, "i") - access(targets, "i"), 2)) }
  /// `(scale / n) (x[j] - t[j])`: the gradient for scale 2.
  static func meanSquaredErrorGradient(scale: Int) -> Term {
    q(scale) * pow(dim("n"), -1) * (access(x, "j") - access(targets, "j"))
  }

  // MARK: The two-layer network of DESIGN.md, with a mean squared error

  static let w1 = tensor("W1", "H", "I"), b1 = tensor("b1", "H"), w2 = tensor("W2", "O", "H"), b2 = tensor("b2", "O")
  static let t = tensor("t", "O")
  static let z1 = define("z1", [("h", "H")], sum("i", d("I"), access(w1, "h", "i") * access(input, "i")) + access(b1, "h"))
  static let a1 = define("a1", [("h", "H")], apply(.relu, ref(z1, "h")))
  static let y = define("y", [("o", "O")], sum("h", d("H"), access(w2, "o", "h") * ref(a1, "h")) + access(b2, "o"))
  static let g = define("g", [("o", "O")], q(2) * pow(dim("O"), -1) * (ref(y, "o") - access(t, "o")))
  static let loss = define("loss", [], pow(dim("O"), -1) * sum("o", d("O"), pow(ref(y, "o") - access(t, "o"), 2)))
}
