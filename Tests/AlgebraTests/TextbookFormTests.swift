import Algebra
import Foundation
import Intervals
import Testing

/// Rules written as textbooks write them (Theorems/textbook.thm, issue 17): each proved for every
/// size, and a wrong variant of each refused with a counterexample or the missing assumption.
@Suite("Textbook forms")
struct TextbookFormTests {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Theorems")

  func statements(_ text: String) throws -> [Statement] {
    try TheoremLanguage.parse(text, file: "test.thm").statements
  }

  @Test func theCheckedInTextbookFormsProve() throws {
    let text = try String(contentsOf: Self.folder.appendingPathComponent("textbook.thm"), encoding: .utf8)
    let all = try statements(text)
    #expect(all.count >= 3)
    for s in all {
      let outcome = Prover.prove(s)
      #expect(outcome.proved, "\(s.name): \(outcome.failure.map(String.init(describing:)) ?? "")")
    }
  }

  @Test func wrongVariantsAreRefusedWithACounterexample() throws {
    let wrong = try statements("""
      dim n
      const eps, a
      layer softmax(n)
        input z[n]
        output y[i: n] = exp(z[i]) * (sum(k: n) exp(z[k])) ^ (-1)
        vjp z[i] = y[i] * (dy[i] + sum(j: n) y[j] * dy[j])
      layer rms_norm(n)
        input x[n]
        output y[i: n] = x[i] * ((1 / n) * sum(j: n) x[j] ^ 2 + eps) ^ (-1/2)
        assume eps > 0
        vjp x[i] = ((1 / n) * sum(j: n) x[j] ^ 2 + eps) ^ (-1/2) * dy[i] - (((1 / n) * sum(j: n) x[j] ^ 2 + eps) ^ (-1/2)) ^ 3 * x[i] * sum(j: n) x[j] * dy[j]
      """)
    for s in wrong {
      let outcome = Prover.prove(s)
      guard case let .different(_, _, counterexample, _)? = outcome.failure else {
        Issue.record("\(s.name): \(outcome.failure.map(String.init(describing:)) ?? "proved")"); continue
      }
      #expect(counterexample != nil, "\(s.name): no counterexample")
    }
  }

  /// Folding a power of a power needs its base nonzero (positive, for a fractional exponent): the
  /// missing condition is named, and the powers still match as written.
  @Test func foldingNamesItsCondition() throws {
    let s = try statements("""
      tensor s[2]
      theorem fold: (s[0] ^ (-1)) ^ 2 = s[0] ^ (-2)
      theorem as_written: (s[0] ^ (-1)) ^ 2 = (s[0] ^ (-1)) ^ 2
      theorem stated: (s[0] ^ (-1)) ^ 2 = s[0] ^ (-2)
        assume s[0] != 0
      """)
    guard case let .missingHypothesis(h)? = Prover.prove(s[0]).failure else { Issue.record("fold: \(Prover.prove(s[0]))"); return }
    #expect(h == "s[0] != 0")
    #expect(Prover.prove(s[1]).proved && Prover.prove(s[2]).proved)
  }

  /// Without `eps > 0` the mean square plus eps is not known positive: the engine names it.
  @Test func rmsNormWithoutEpsNamesTheCondition() throws {
    let s = try statements("""
      dim n
      const eps
      layer rms_norm(n)
        input x[n]
        output y[i: n] = x[i] * ((1 / n) * sum(j: n) x[j] ^ 2 + eps) ^ (-1/2)
        vjp x[i] = ((1 / n) * sum(j: n) x[j] ^ 2 + eps) ^ (-1/2) * dy[i] - (1 / n) * (((1 / n) * sum(j: n) x[j] ^ 2 + eps) ^ (-1/2)) ^ 3 * x[i] * sum(j: n) x[j] * dy[j]
      """)
    guard case let .missingHypothesis(h)? = Prover.prove(s[0]).failure else { Issue.record("\(Prover.prove(s[0]))"); return }
    #expect(h.contains("eps") && h.hasSuffix("> 0"), "\(h)")
  }

  /// A counterexample is printed only when it is one, with the real functions: softplus's correct
  /// rule with `sigmoid` (the engine does not know sigmoid in terms of exp) is "not proved", never
  /// shown a point; the wrong rule gets a point where the enclosures of the sides are disjoint.
  @Test func aCounterexampleIsATrueOne() throws {
    let s = try statements("""
      dim n
      layer softplus(n)
        input x[n]
        output y[i: n] = log(1 + exp(x[i]))
        vjp x[i] = sigmoid(x[i]) * dy[i]
      layer softplus_wrong(n)
        input x[n]
        output y[i: n] = log(1 + exp(x[i]))
        vjp x[i] = exp(x[i]) * dy[i]
      """)
    let right = Prover.prove(s[0])
    guard case let .different(_, _, none, _)? = right.failure else { Issue.record("\(right)"); return }
    #expect(none == nil)
    #expect("\(right.failure!)".hasPrefix("not proved: "))
    guard case let .different(_, _, found?, _)? = Prover.prove(s[1]).failure else { Issue.record("no counterexample"); return }
    guard case let .enclosure(l) = found.lhs, case let .enclosure(r) = found.rhs else { Issue.record("\(found)"); return }
    #expect(l.isDisjoint(from: r))
  }

  /// Powers of one base merge (`pow-merge`) and powers of products split (`pow-mul`), each with its
  /// condition: true where positivity covers it, named where it does not.
  @Test func powersOfOneBaseMerge() throws {
    let s = try statements("""
      dim n
      tensor z[n], x[n]
      theorem cancel: exp(z[0]) * exp(z[0]) ^ (-1) = 1
      theorem split: (exp(z[0]) * exp(z[1]) ^ 2) ^ (-1) * exp(z[1]) = exp(z[0]) ^ (-1) * exp(z[1]) ^ (-1)
      theorem unknown_sign: x[0] * x[0] ^ (-1) = 1
      """)
    #expect(Prover.prove(s[0]).proved && Prover.prove(s[1]).proved, "\(Prover.prove(s[1]))")
    guard case let .missingHypothesis(h)? = Prover.prove(s[2]).failure else { Issue.record("\(Prover.prove(s[2]))"); return }
    #expect(h == "x[0] != 0")
  }

  /// Cross-entropy of a softmax as written: without `sum t = 1` the assumption is named (and a true
  /// counterexample shown); a wrong sign is refused with a counterexample.
  @Test func crossEntropyAsWritten() throws {
    let s = try statements("""
      dim n
      tensor z[n], t[n]
      def softmax[i: n] = exp(z[i]) * (sum(j: n) exp(z[j])) ^ (-1)
      def ce = -sum(i: n) t[i] * log(softmax[i])
      theorem unstated: grad(ce, z)[k] = softmax[k] - t[k]
      theorem wrong: grad(ce, z)[k] = softmax[k] + t[k]
        assume sum(i: n) t[i] = 1
      """)
    guard case let .different(_, _, found, missing)? = Prover.prove(s[0]).failure else { Issue.record("\(Prover.prove(s[0]))"); return }
    #expect(missing?.hasPrefix("sum(") == true && missing?.contains("t[") == true && missing?.hasSuffix("] = 1") == true, "\(String(describing: missing))")
    #expect(found != nil)
    guard case let .different(_, _, counterexample, _)? = Prover.prove(s[1]).failure else { Issue.record("wrong proved"); return }
    #expect(counterexample != nil)
  }
}
