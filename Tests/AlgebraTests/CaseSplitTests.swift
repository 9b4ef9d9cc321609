import Algebra
import Testing

/// Sums split at a boundary the other side has (issue 17, `Prover+Cases.swift`): a sum over
/// `j <= i` against one over `j < i` and the diagonal, the softmax VJP written as its diagonal and
/// the sums over `j < i` and `j > i`, and a bracket implied by the range of a free index. Each
/// wrong variant is refused with a counterexample (both sides evaluated at the printed point).
@Suite("Case splits")
struct CaseSplitTests {
  func statements(_ text: String) throws -> [Statement] {
    try TheoremLanguage.parse(text, file: "test.thm").statements
  }

  static let source = """
    dim n
    tensor z[n]
    theorem split_at_diagonal[i: n]: sum(j: n | j <= i) z[j] = sum(j: n | j < i) z[j] + z[i]
    theorem split_over_denominators[i: n]: sum(j: n | j <= i) 1 / (1 + exp(z[j])) + sum(j: n | j < i) exp(z[j]) / (1 + exp(z[j])) = sum(j: n | j < i) 1 + 1 / (1 + exp(z[i]))
    theorem diagonal_in_range[i: n]: sum(j: n | j == i) 1 / (1 + exp(z[j])) + exp(z[i]) / (1 + exp(z[i])) = 1
    layer softmax_three_sums(n)
      input x[n]
      output y[i: n] = exp(x[i]) * (sum(k: n) exp(x[k])) ^ (-1)
      vjp x[i] = y[i] * (1 - y[i]) * dy[i] - sum(j: n | j < i) y[i] * y[j] * dy[j] - sum(j: n | j > i) y[i] * y[j] * dy[j]
    """

  @Test func sumsSplitAtTheDiagonalProve() throws {
    for s in try statements(Self.source) {
      let outcome = Prover.prove(s)
      #expect(outcome.proved, "\(s.name): \(outcome.failure.map(String.init(describing:)) ?? "")")
    }
    let split = Prover.prove(try statements(Self.source)[0])
    #expect(split.steps.contains { if case .rewrite(_, _, .sumCases) = $0 { true } else { false } })
  }

  @Test func wrongSplitsAreRefusedWithACounterexample() throws {
    let wrong = try statements("""
      dim n
      tensor z[n]
      theorem split_without_diagonal[i: n]: sum(j: n | j <= i) z[j] = sum(j: n | j < i) z[j]
      theorem split_twice_diagonal[i: n]: sum(j: n | j <= i) z[j] = sum(j: n | j < i) z[j] + 2 * z[i]
      theorem diagonal_wrong[i: n]: sum(j: n | j == i) 1 / (1 + exp(z[j])) + exp(z[i]) / (1 + exp(z[i])) = 2
      layer softmax_diagonal_twice(n)
        input x[n]
        output y[i: n] = exp(x[i]) * (sum(k: n) exp(x[k])) ^ (-1)
        vjp x[i] = y[i] * (1 - y[i]) * dy[i] - sum(j: n | j < i) y[i] * y[j] * dy[j] - sum(j: n | j >= i) y[i] * y[j] * dy[j]
      """)
    #expect(wrong.count == 4)
    for s in wrong {
      let outcome = Prover.prove(s)
      guard case let .different(_, _, counterexample?, _)? = outcome.failure else {
        Issue.record("\(s.name): \(outcome.failure.map(String.init(describing:)) ?? "proved")"); continue
      }
      if let i = counterexample.indices["i"] { #expect(i < counterexample.dimensions["n"]!, "\(counterexample)") }
    }
  }
}
