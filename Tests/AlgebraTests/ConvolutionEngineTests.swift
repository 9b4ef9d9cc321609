import Exact
import ProofKernel
import Testing
@testable import Algebra

/// Affine `sum of coef * index + coef * dim + constant` from pairs like ("p", 2), ("P", -1).
func aff(_ constant: Int = 0, indices: [(String, Int)] = [], dims: [(String, Int)] = []) -> Affine {
  try! Affine(constant: constant, indices.map { (.index($0.0), $0.1) } + dims.map { (.dimension($0.0), $0.1) })
}

func sums(_ binders: [(String, String)], extra: Guard = .true, _ body: Term) -> Term {
  let g = binders.reduce(extra) { try! $0.and(.axis($1.0, size: dm($1.1))) }
  return try! .sum(binders.map(\.0), g, body)
}

/// Strided convolution with zero padding, in one and two spatial dimensions: every size.
@Suite("Convolution (engine)")
struct ConvolutionEngineTests {
  let x = tensor("x", "C", "N"), w = tensor("w", "D", "C", "K"), b = tensor("b", "D"), dy = tensor("dy", "D", "M")

  /// y[d, p] = sum(c: C, u: K) w[d, c, u] * x[c, 2p + u - P] + b[d]
  var y: Definition {
    let body = plus(sums([("c", "C"), ("u", "K")], times(try! .access(w, [ix("d"), ix("c"), ix("u")]),
                                                        try! .access(x, [ix("c"), aff(indices: [("p", 2), ("u", 1)], dims: [("P", -1)])]))),
                    access(b, "d"))
    return try! Definition("y", parameters: ["d", "p"], shape: [dm("D"), dm("M")], body: body)
  }

  func rule(_ name: String, _ wrt: TensorSymbol, at: [String], _ rhs: Term) -> Statement {
    let lhs = try! Term.vjp(.reference(y, [ix("d"), ix("p")]), binders: ["d", "p"], shape: [dm("D"), dm("M")], wrt: wrt, seed: dy, at: at.map(ix))
    return statement(name, lhs, rhs, indices: zip(at, wrt.shape).map { ($0, $1) })
  }

  /// The input gradient is a transposed convolution with its border guard.
  func inputGradient(flip: Bool = false, padding: Int = 0, stride: Int = 2) -> Term {
    let tap = aff(padding, indices: [("h", 1), ("p", -stride)], dims: [("P", 1)])  // h + P - 2p
    let index = flip ? try! aff(padding, indices: [("p", stride), ("h", -1)], dims: [("K", 1), ("P", -1)]).plus(.constant(-1)) : tap
    let border = try! Guard(nonNegative: [index, try! dm("K").plus(.constant(-1)).plus(index.scaled(by: -1))])
    return sums([("d", "D"), ("p", "M")], extra: border, times(try! .access(w, [ix("d"), ix("c"), index]), try! .access(dy, [ix("d"), ix("p")])))
  }

  @Test func conv1dGradients() {
    for s in [rule("conv.x", x, at: ["c", "h"], inputGradient()),
              rule("conv.w", w, at: ["d", "c", "u"], sums([("p", "M")], times(try! .access(dy, [ix("d"), ix("p")]),
                   try! .access(x, [ix("c"), aff(indices: [("p", 2), ("u", 1)], dims: [("P", -1)])])))),
              rule("conv.b", b, at: ["d"], sums([("p", "M")], try! .access(dy, [ix("d"), ix("p")])))] {
      let outcome = Prover.prove(s)
      #expect(outcome.proved, "\(s.name): \(outcome.failure.map(String.init(describing:)) ?? "")")
    }
  }

  @Test func wrongInputGradientsAreRefused() {
    for (why, g) in [("kernel not flipped", inputGradient(flip: true)), ("padding off by one", inputGradient(padding: 1)),
                     ("stride ignored", inputGradient(stride: 1))] {
      let outcome = Prover.prove(rule("conv.x.wrong", x, at: ["c", "h"], g))
      #expect(!outcome.proved, "\(why) was accepted")
      if case let .different(_, _, counterexample, _)? = outcome.failure {
        #expect(counterexample != nil, "\(why): no counterexample")
      } else {
        Issue.record("\(why): \(String(describing: outcome.failure))")
      }
    }
  }
}
