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

  /// A gradient whose loss mentions a free index (a class label) is proved for every value of it.
  /// Read at the label itself it is not proved but says how to state it; wrong variants are
  /// refused with a counterexample that evaluates both sides.
  @Test func gradientsWithAFreeLabel() throws {
    let s = try statements("""
      dim n
      tensor x[n], z[n]
      def softmax_of_z[i: n] = exp(z[i]) * (sum(j: n) exp(z[j])) ^ (-1)
      theorem entry[c: n]: grad(x[c] ^ 2, x)[k] = 2 * x[k] * delta(k, c)
      theorem diagonal[i: n]: grad(x[i] ^ 2, x)[i] = 2 * x[i]
      theorem label[c: n]: grad(-log(softmax_of_z[c]), z)[k] = softmax_of_z[k] - delta(k, c)
      theorem wrong_entry[c: n]: grad(x[c] ^ 2, x)[k] = 2 * x[k]
      theorem wrong_label[c: n]: grad(-log(softmax_of_z[c]), z)[k] = softmax_of_z[c] - delta(k, c)
      """)
    for right in [s[0], s[2]] {
      let outcome = Prover.prove(right)
      #expect(outcome.proved, "\(right.name): \(outcome.failure.map(String.init(describing:)) ?? "")")
    }
    // Read at the index the loss mentions: not proved, and not shown a counterexample (it is true).
    guard case let .unsupported(reason)? = Prover.prove(s[1]).failure else {
      Issue.record("diagonal: \(Prover.prove(s[1]).failure.map(String.init(describing:)) ?? "proved")"); return
    }
    #expect(reason.contains("delta(k, i)"), "\(reason)")
    for wrong in s.dropFirst(3) {
      let outcome = Prover.prove(wrong)
      guard case let .different(_, _, counterexample, _)? = outcome.failure else {
        Issue.record("\(wrong.name): \(outcome.failure.map(String.init(describing:)) ?? "proved")"); continue
      }
      #expect(counterexample != nil, "\(wrong.name): no counterexample")
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

  /// A counterexample is printed only when it is one, with the real functions: erf's symmetry
  /// (true, but no rule of the kernel states it) is "not proved", never shown a point; the wrong
  /// softplus rule gets a point where the enclosures of the sides are disjoint.
  @Test func aCounterexampleIsATrueOne() throws {
    let s = try statements("""
      dim n
      tensor x[n]
      theorem erf_odd[k: n]: erf(-x[k]) = -erf(x[k])
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

  /// `log(1 - sigmoid(x))` needs no assumption: its argument is `sigmoid(-x)`, which positivity
  /// sees; binary cross-entropy on logits proves as written. Their wrong variants (the sign of the
  /// first, the target's sign in the second) get true counterexamples, and a `log` of an argument
  /// that is not positive (`1 - exp(x)`) still names its assumption.
  @Test func logOfOneMinusSigmoidNeedsNoAssumption() throws {
    let s = try statements("""
      dim n
      layer log_one_minus_sigmoid(n)
        input x[n]
        output y[i: n] = log(1 - sigmoid(x[i]))
        vjp x[i] = -sigmoid(x[i]) * dy[i]
      layer binary_cross_entropy(n)
        input x[n]
        param t[n]
        output y[i: n] = -(t[i] * log(sigmoid(x[i])) + (1 - t[i]) * log(1 - sigmoid(x[i])))
        vjp x[i] = (sigmoid(x[i]) - t[i]) * dy[i]
      layer log_one_minus_sigmoid_wrong(n)
        input x[n]
        output y[i: n] = log(1 - sigmoid(x[i]))
        vjp x[i] = sigmoid(x[i]) * dy[i]
      layer binary_cross_entropy_wrong(n)
        input x[n]
        param t[n]
        output y[i: n] = -(t[i] * log(sigmoid(x[i])) + (1 - t[i]) * log(1 - sigmoid(x[i])))
        vjp x[i] = (sigmoid(x[i]) + t[i]) * dy[i]
      layer log_one_minus_exp(n)
        input x[n]
        output y[i: n] = log(1 - exp(x[i]))
        vjp x[i] = -exp(x[i]) / (1 - exp(x[i])) * dy[i]
      """)
    for right in s[0..<2] {
      let outcome = Prover.prove(right)
      #expect(outcome.proved, "\(right.name): \(outcome.failure.map(String.init(describing:)) ?? "")")
    }
    for wrong in s[2..<4] {
      guard case let .different(_, _, found?, _)? = Prover.prove(wrong).failure else { Issue.record("\(wrong.name): no counterexample"); continue }
      if case let .enclosure(l) = found.lhs, case let .enclosure(r) = found.rhs { #expect(l.isDisjoint(from: r)) }
    }
    guard case let .missingHypothesis(h)? = Prover.prove(s[4]).failure else { Issue.record("1 - exp(x) > 0 not named"); return }
    #expect(h.contains("1 - exp(x[i]) > 0"), "\(h)")
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

  /// The max-pooling window with the gradient sent to the wrong cell of the bottom row, and the L1
  /// gradient without its negative part: each refused with a point where the sides differ.
  @Test func wrongMaxAndAbsRulesAreRefused() throws {
    let s = try statements("""
      dim n, C, H, W
      tensor x[n], t[n], p[C, 2 * H, 2 * W], dp[C, H, W]
      def l1 = sum(i: n) abs(x[i] - t[i])
      theorem grad_l1_half: grad(l1, x)[k] = step(x[k] - t[k])
        assume forall k: n. x[k] != t[k]
      def top[c: C, i: H, j: W] = max(p[c, 2 * i, 2 * j], p[c, 2 * i, 2 * j + 1])
      def bottom[c: C, i: H, j: W] = max(p[c, 2 * i + 1, 2 * j], p[c, 2 * i + 1, 2 * j + 1])
      def pooled[c: C, i: H, j: W] = max(top[c, i, j], bottom[c, i, j])
      def top_wins[c: C, i: H, j: W] = step(top[c, i, j] - bottom[c, i, j])
      def left_top[c: C, i: H, j: W] = step(p[c, 2 * i, 2 * j] - p[c, 2 * i, 2 * j + 1])
      def left_bottom[c: C, i: H, j: W] = step(p[c, 2 * i + 1, 2 * j] - p[c, 2 * i + 1, 2 * j + 1])
      theorem maxpool2_swapped: vjp(e: C, r: H, s: W -> pooled[e, r, s], p, dp)[c, h, w] = sum(i: H, j: W) dp[c, i, j] * (delta(h, 2 * i) * top_wins[c, i, j] * (delta(w, 2 * j) * left_top[c, i, j] + delta(w, 2 * j + 1) * (1 - left_top[c, i, j])) + delta(h, 2 * i + 1) * (1 - top_wins[c, i, j]) * (delta(w, 2 * j) * (1 - left_bottom[c, i, j]) + delta(w, 2 * j + 1) * left_bottom[c, i, j]))
        assume forall c: C, i: H, j: W. p[c, 2 * i, 2 * j] != p[c, 2 * i, 2 * j + 1]
        assume forall c: C, i: H, j: W. p[c, 2 * i + 1, 2 * j] != p[c, 2 * i + 1, 2 * j + 1]
        assume forall c: C, i: H, j: W. top[c, i, j] != bottom[c, i, j]
      layer min_as_max(n)
        input a[n], b[n]
        output y[i: n] = min(a[i], b[i])
        assume forall k: n. a[k] != b[k]
        vjp a[i] = step(a[i] - b[i]) * dy[i]
      """)
    for statement in s {
      let outcome = Prover.prove(statement)
      guard case let .different(_, _, counterexample?, _)? = outcome.failure else {
        Issue.record("\(statement.name): \(outcome.failure.map(String.init(describing:)) ?? "proved")"); continue
      }
      #expect("\(outcome.failure!)".hasPrefix("the two sides differ"), "\(counterexample)")
    }
  }

  /// A max without its tie condition: the missing assumption is the arguments differing, written as
  /// a user would state it, with what it is for; abs needs its argument nonzero.
  @Test func aMissingTieConditionIsNamed() throws {
    let s = try statements("""
      dim n
      tensor x[n], t[n]
      layer maximum(n)
        input a[n], b[n]
        output y[i: n] = max(a[i], b[i])
        vjp a[i] = step(a[i] - b[i]) * dy[i]
      def l1 = sum(i: n) abs(x[i])
      theorem grad_l1: grad(l1, x)[k] = step(x[k]) - step(-x[k])
      """)
    let tie = Prover.prove(s[1])
    guard case let .missingHypothesis(h)? = tie.failure else { Issue.record("\(tie)"); return }
    #expect(h == "forall i: n. a[i] != b[i]")
    #expect("\(tie.failure!)".contains("has no derivative where they are equal"))
    guard case let .missingHypothesis(zero)? = Prover.prove(s[0]).failure else { Issue.record("\(Prover.prove(s[0]))"); return }
    #expect(zero.hasSuffix(". x[i] != 0") || zero.hasSuffix(". -x[i] != 0"), "\(zero)")
    // The printed assumption, stated, proves the rule.
    let stated = try statements("""
      dim n
      layer maximum(n)
        input a[n], b[n]
        output y[i: n] = max(a[i], b[i])
        assume \(h)
        vjp a[i] = step(a[i] - b[i]) * dy[i]
      """)
    #expect(Prover.prove(stated[0]).proved)
  }

  /// The identities between functions, each refused without its condition or with a wrong rule:
  /// softplus's derivative is the sigmoid (and not the sigmoid of -x), cross-entropy as written is
  /// log-sum-exp minus <t, z> only under sum t = 1 (named), step(relu(x)) = step(x) needs x > 0
  /// (at x < 0 the left side is the unspecified step(0), so x != 0 is not enough).
  @Test func identitiesBetweenFunctions() throws {
    let s = try statements("""
      dim n
      tensor z[n], t[n], u[n]
      layer softplus(n)
        input x[n]
        output y[i: n] = log(1 + exp(x[i]))
        vjp x[i] = sigmoid(x[i]) * dy[i]
      layer softplus_flipped(n)
        input x[n]
        output y[i: n] = log(1 + exp(x[i]))
        vjp x[i] = sigmoid(-x[i]) * dy[i]
      layer gelu_wrong(n)
        input x[n]
        output y[i: n] = gelu(x[i])
        vjp x[i] = (1 / 2) * (1 + erf(x[i] / sqrt(2))) * dy[i]
      def softmax[i: n] = exp(z[i]) / sum(j: n) exp(z[j])
      theorem ce_unstated: -sum(i: n) t[i] * log(softmax[i]) = log(sum(j: n) exp(z[j])) - sum(i: n) t[i] * z[i]
      theorem step_relu_unstated[k: n]: step(relu(u[k])) = step(u[k])
      theorem step_relu_positive[k: n]: step(relu(u[k])) = step(u[k])
        assume u[k] > 0
      theorem step_relu_nonzero[k: n]: step(relu(u[k])) = step(u[k])
        assume u[k] != 0
      """)
    let outcomes = Dictionary(uniqueKeysWithValues: s.map { ($0.name, Prover.prove($0)) })
    #expect(outcomes["softplus.x"]!.proved && outcomes["step_relu_positive"]!.proved)
    for name in ["softplus_flipped.x", "gelu_wrong.x"] {
      guard case let .different(_, _, found?, _)? = outcomes[name]!.failure else { Issue.record("\(name): \(outcomes[name]!)"); continue }
      guard case let .enclosure(l) = found.lhs, case let .enclosure(r) = found.rhs else { Issue.record("\(found)"); continue }
      #expect(l.isDisjoint(from: r))
    }
    guard case let .different(_, _, _, missing)? = outcomes["ce_unstated"]!.failure else { Issue.record("\(outcomes["ce_unstated"]!)"); return }
    #expect(missing?.hasPrefix("sum(") == true && missing?.contains("t[") == true && missing?.hasSuffix("] = 1") == true, "\(String(describing: missing))")
    guard case let .missingHypothesis(h)? = outcomes["step_relu_unstated"]!.failure else { Issue.record("\(outcomes["step_relu_unstated"]!)"); return }
    #expect(h == "u[k] > 0")
    #expect(!outcomes["step_relu_nonzero"]!.proved)
  }

  /// Layer norm with the mean of g * dy left out of the input rule, batch norm's scale rule
  /// without the normalized input: refused with a true counterexample. Without eps > 0, the
  /// condition named is the written variance plus eps being positive.
  @Test func wrongNormalizationRulesAreRefused() throws {
    let s = try statements("""
      dim n, B, F
      const eps
      layer layer_norm(n)
        input x[n]
        param g[n], b[n]
        def mu = (1 / n) * sum(j: n) x[j]
        def var = (1 / n) * sum(j: n) (x[j] - mu) ^ 2
        def rstd = (var + eps) ^ (-1/2)
        def xhat[i: n] = (x[i] - mu) * rstd
        output y[i: n] = g[i] * xhat[i] + b[i]
        assume eps > 0
        vjp x[i] = rstd * (g[i] * dy[i] - xhat[i] * (1 / n) * sum(j: n) g[j] * dy[j] * xhat[j])
      layer batch_norm(B, F)
        input x[B, F]
        param g[F], b[F]
        def mu[c: F] = (1 / B) * sum(s: B) x[s, c]
        def var[c: F] = (1 / B) * sum(s: B) (x[s, c] - mu[c]) ^ 2
        def xhat[s: B, c: F] = (x[s, c] - mu[c]) * (var[c] + eps) ^ (-1/2)
        output y[s: B, c: F] = g[c] * xhat[s, c] + b[c]
        assume eps > 0
        vjp g[c] = sum(s: B) dy[s, c]
      layer no_eps(n)
        input x[n]
        param g[n]
        def mu = (1 / n) * sum(j: n) x[j]
        def rstd = ((1 / n) * sum(j: n) (x[j] - mu) ^ 2 + eps) ^ (-1/2)
        def xhat[i: n] = (x[i] - mu) * rstd
        output y[i: n] = g[i] * xhat[i]
        vjp x[i] = rstd * (g[i] * dy[i] - (1 / n) * sum(j: n) g[j] * dy[j] - xhat[i] * (1 / n) * sum(j: n) g[j] * dy[j] * xhat[j])
      """)
    for statement in s.prefix(2) {
      let outcome = Prover.prove(statement)
      guard case .different(_, _, _?, _)? = outcome.failure else {
        Issue.record("\(statement.name): \(outcome.failure.map(String.init(describing:)) ?? "proved")"); continue
      }
    }
    guard case let .missingHypothesis(h)? = Prover.prove(s[2]).failure else { Issue.record("\(Prover.prove(s[2]))"); return }
    #expect(h.contains("eps") && h.hasSuffix("> 0"), "\(h)")
  }

  /// Wrong variants of the norm, log-softmax, attention and flipped-convolution rules: each
  /// refused with a point where the two sides, evaluated with the real functions, differ.
  @Test func wrongShiftedAndAttentionRulesAreRefused() throws {
    let s = try statements("""
      dim n
      layer euclidean_norm(n)
        input x[n]
        output y = sqrt(sum(j: n) x[j] ^ 2)
        assume sum(j: n) x[j] ^ 2 > 0
        vjp x[i] = x[i] / (sum(j: n) x[j] ^ 2)
      layer log_softmax(n)
        input z[n]
        output y[i: n] = z[i] - log(sum(k: n) exp(z[k]))
        vjp z[i] = dy[i] - exp(z[i]) / (sum(k: n) exp(z[k])) * dy[i]
      layer attention(T, d)
        input Q[T, d], K[T, d], V[T, d]
        def S[t: T, s: T] = (1 / sqrt(d)) * sum(e: d) Q[t, e] * K[s, e]
        def A[t: T, s: T] = exp(S[t, s]) / sum(r: T) exp(S[t, r])
        output O[t: T, e: d] = sum(s: T) A[t, s] * V[s, e]
        def dA[t: T, s: T] = sum(e: d) dy[t, e] * V[s, e]
        def dS[t: T, s: T] = A[t, s] * (dA[t, s] - sum(r: T) A[t, r] * dA[t, r])
        vjp Q[t, e] = sum(s: T) dS[t, s] * K[s, e]
      layer conv2d_unflipped(C, D, H, W, R, OH, OW, P)
        input x[C, H, W]
        param w[D, C, R, R]
        output y[e: D, p: OH, q: OW] = sum(c: C, u: R, v: R) w[e, c, u, v] * x[c, p + u - P + 1, q + v - P + 1]
        vjp x[c, h, s] = sum(e: D, u: R, v: R) w[e, c, u, v] * dy[e, h + u - R + P, s + v - R + P]
      """)
    for statement in s {
      let outcome = Prover.prove(statement)
      guard case .different(_, _, _?, _)? = outcome.failure else {
        Issue.record("\(statement.name): \(outcome.failure.map(String.init(describing:)) ?? "proved")"); continue
      }
    }
  }
}
