import Algebra
import Foundation
import Testing

/// Rational functions over common denominators (Prover+Denominators.swift, issue 17): textbook
/// derivatives written over a squared denominator prove, the denominator's condition is recorded
/// and discharged, and a wrong numerator or power is refused with a true counterexample.
@Suite("Common denominators")
struct CommonDenominatorTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Theorems")

  func statements(_ text: String) throws -> [Statement] {
    try TheoremLanguage.parse(text, file: "test.thm").statements
  }

  @Test func theCheckedInTextbookFormsProve() throws {
    let text = try String(contentsOf: Self.folder.appendingPathComponent("textbook_forms.thm"), encoding: .utf8)
    let all = try statements(text)
    #expect(all.count >= 10)
    for s in all {
      let outcome = Prover.prove(s)
      #expect(outcome.proved, "\(s.name): \(outcome.failure.map(String.init(describing:)) ?? "")")
    }
  }

  /// The proof goes through `pow-merge` read backwards (`B^-1 = B^-2 * B`), whose condition
  /// `B != 0` the positivity check discharges for `1 + exp(x)`.
  @Test func aDenominatorIsSpreadByPowMerge() throws {
    let s = try statements("""
      dim n
      tensor z[n]
      theorem spread[k: n]: exp(z[k]) / (1 + exp(z[k])) - exp(z[k]) ^ 2 / (1 + exp(z[k])) ^ 2 = exp(z[k]) / (1 + exp(z[k])) ^ 2
      """)
    let outcome = Prover.prove(s[0])
    #expect(outcome.proved, "\(outcome)")
    #expect(outcome.steps.contains { if case .rewrite(_, _, .powMerge) = $0 { true } else { false } })
  }

  /// A base of unknown sign: the same identity needs `x + 1 != 0`, and the engine names it.
  @Test func anUnknownDenominatorNamesItsCondition() throws {
    let s = try statements("""
      dim n
      tensor x[n]
      theorem spread[k: n]: x[k] / (x[k] + 1) - x[k] ^ 2 / (x[k] + 1) ^ 2 = x[k] / (x[k] + 1) ^ 2
      theorem stated[k: n]: x[k] / (x[k] + 1) - x[k] ^ 2 / (x[k] + 1) ^ 2 = x[k] / (x[k] + 1) ^ 2
        assume x[k] + 1 != 0
      """)
    guard case let .missingHypothesis(h)? = Prover.prove(s[0]).failure else { Issue.record("\(Prover.prove(s[0]))"); return }
    #expect(h.contains("x[k]") && h.hasSuffix("!= 0"), "\(h)")
    #expect(Prover.prove(s[1]).proved, "\(Prover.prove(s[1]))")
  }

  /// Wrong variants: a numerator off by a factor, a power off by one, a shift that does not cancel,
  /// the complement of the sigmoid with the wrong sign. Each refused with a point where the two
  /// sides, evaluated with the real functions, certainly differ.
  @Test func wrongVariantsAreRefusedWithACounterexample() throws {
    let s = try statements("""
      dim n
      const m
      tensor z[n]
      layer tanh_half(n)
        input x[n]
        output y[i: n] = tanh(x[i])
        vjp x[i] = 2 * exp(2 * x[i]) / (exp(2 * x[i]) + 1) ^ 2 * dy[i]
      layer sigmoid_power(n)
        input x[n]
        output y[i: n] = sigmoid(x[i])
        vjp x[i] = exp(x[i]) / (1 + exp(x[i])) * dy[i]
      def softmax_z[i: n] = exp(z[i]) / sum(k: n) exp(z[k])
      def half_shifted[i: n] = exp(z[i] - m) / sum(k: n) exp(z[k])
      theorem unstable[i: n]: half_shifted[i] = softmax_z[i]
      theorem complement[k: n]: 1 - sigmoid(z[k]) = exp(z[k]) / (1 + exp(z[k]))
      theorem tanh_sum_over_difference[k: n]: tanh(z[k]) = (exp(z[k]) + exp(-z[k])) / (exp(z[k]) - exp(-z[k]))
      theorem sigmoid_even[k: n]: sigmoid(-z[k]) = sigmoid(z[k])
      theorem sigmoid_defined_wrong[k: n]: sigmoid(z[k]) = 1 / (1 + exp(z[k]))
      layer logistic_wrong(n)
        input x[n]
        output y[i: n] = log(1 + exp(-z[i] * x[i]))
        vjp x[i] = -z[i] * sigmoid(z[i] * x[i]) * dy[i]
      layer swish_wrong(n)
        input x[n]
        output y[i: n] = x[i] * sigmoid(x[i])
        vjp x[i] = (x[i] * sigmoid(x[i]) + sigmoid(x[i]) * (1 + x[i] * sigmoid(x[i]))) * dy[i]
      """)
    for statement in s {
      let outcome = Prover.prove(statement)
      guard case let .different(_, _, counterexample?, _)? = outcome.failure else {
        Issue.record("\(statement.name): \(outcome.failure.map(String.init(describing:)) ?? "proved")"); continue
      }
      #expect("\(outcome.failure!)".hasPrefix("the two sides differ"), "\(counterexample)")
    }
  }

  /// A monomial without the denominator takes it from the other side, and from a sum whose
  /// binders have other names once the guards agree after renaming (issue 17, "common
  /// denominators under different guards"): `1/(1 + e) + e/(1 + e) = 1` summed over `j < i`, and
  /// over a triangle of two binders.
  @Test func aDenominatorIsSharedAcrossSidesAndBinderNames() throws {
    let s = try statements("""
      dim n
      tensor z[n], w[n, n]
      theorem shared[i: n]: sum(j: n | j < i) 1 / (1 + exp(z[j])) + sum(j: n | j < i) exp(z[j]) / (1 + exp(z[j])) = sum(j: n | j < i) 1
      theorem triangle: sum(a: n, b: n | a < b) 1 / (1 + exp(w[a, b])) + sum(a: n, b: n | a < b) exp(w[a, b]) / (1 + exp(w[a, b])) = sum(a: n, b: n | a < b) 1
      theorem shared_wrong[i: n]: sum(j: n | j < i) 1 / (1 + exp(z[j])) + sum(j: n | j < i) exp(z[j]) / (1 + exp(z[j])) = sum(j: n | j <= i) 1
      """)
    for statement in s.dropLast() {
      let outcome = Prover.prove(statement)
      #expect(outcome.proved, "\(statement.name): \(outcome.failure.map(String.init(describing:)) ?? "")")
      #expect(outcome.steps.contains { if case .rewrite(_, _, .powMerge) = $0 { true } else { false } }, "\(statement.name)")
    }
    guard case let .different(_, _, counterexample?, _)? = Prover.prove(s[2]).failure else {
      Issue.record("shared_wrong: \(Prover.prove(s[2]).failure.map(String.init(describing:)) ?? "proved")"); return
    }
    #expect(counterexample.indices["i"]! < counterexample.dimensions["n"]!, "\(counterexample)")
  }

  /// A counterexample lies inside the ranges of the free indices: `diagonal` holds for every
  /// `i < n` (at `i = n` its bracket is 0 and `z[n]` reads 0, so the sides differ only there) and
  /// gets none; its wrong variant gets one with `i < n`.
  @Test func noCounterexampleOutsideTheRanges() throws {
    let s = try statements("""
      dim n
      tensor z[n]
      theorem diagonal[i: n]: sum(j: n | j == i) 1 / (1 + exp(z[j])) + exp(z[i]) / (1 + exp(z[i])) = 1
      theorem diagonal_wrong[i: n]: sum(j: n | j == i) 1 / (1 + exp(z[j])) + exp(z[i]) / (1 + exp(z[i])) = 2
      """)
    if case let .different(_, _, counterexample?, _)? = Prover.prove(s[0]).failure {
      Issue.record("a true statement got a counterexample: \(counterexample)")
    }
    guard case let .different(_, _, counterexample?, _)? = Prover.prove(s[1]).failure else {
      Issue.record("diagonal_wrong: \(Prover.prove(s[1]).failure.map(String.init(describing:)) ?? "proved")"); return
    }
    #expect(counterexample.indices["i"]! < counterexample.dimensions["n"]!, "\(counterexample)")
  }
}
