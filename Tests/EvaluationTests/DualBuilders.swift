import Evaluation
import Exact
import ProofKernel

// Builders for statements with derivatives (beside Builders.swift's `i`, `d`, `at`, `sum`, `q`, ...).

func tensor(_ name: String, _ shape: String...) -> TensorSymbol { try! TensorSymbol(name, shape: shape.map(d)) }
func access(_ t: TensorSymbol, _ idx: String...) -> Term { try! .access(t, idx.map(i)) }
prefix func - (a: Term) -> Term { q(-1) * a }
func - (a: Term, b: Term) -> Term { a + -b }

/// `def name[p1: S1, ...] = body`.
func define(_ name: String, _ parameters: [(String, String)], _ body: Term) -> Definition {
  try! Definition(name, parameters: parameters.map(\.0), shape: parameters.map { d($0.1) }, body: body)
}

func ref(_ definition: Definition, _ idx: String...) -> Term { try! .reference(definition, idx.map(i)) }

/// `grad(loss, x)[at]`.
func gradient(_ loss: Term, _ x: TensorSymbol, at: String...) -> Term {
  try! .vjp(loss, binders: [], shape: [], wrt: x, seed: nil, at: at.map(i))
}

/// `vjp(o: O -> y[o], x, dy)[at]`.
func vjp(_ output: Definition, _ x: TensorSymbol, _ dy: TensorSymbol, at: String...) -> Term {
  try! .vjp(.reference(output, output.parameters.map(i)), binders: output.parameters, shape: output.shape,
            wrt: x, seed: dy, at: at.map(i))
}

/// `D body [x := dx]`.
func derivative(_ body: Term, _ x: TensorSymbol, along dx: TensorSymbol) -> Term { try! .derivative(body, x, along: dx) }

/// `forall k: size. body`.
func forall(_ k: String, _ size: String, _ body: Proposition) -> Proposition { try! .quantified([k], axis(k, d(size)), body) }

/// `0 <= k < size`.
func inRange(_ k: String, _ size: String) -> Proposition { .holds(axis(k, d(size))) }

extension NumericCheck.Outcome {
  /// The number of trials of a pass, nil otherwise.
  var passedTrials: Int? {
    if case let .passed(trials) = self { return trials }
    return nil
  }

  /// The counterexample found, nil otherwise.
  var found: NumericCheck.Counterexample? {
    if case let .counterexample(c) = self { return c }
    return nil
  }

  /// True when both sides were compared as enclosures at the counterexample.
  var foundWithIntervals: Bool {
    guard case .enclosure? = found?.lhs else { return false }
    return true
  }
}
