import Exact
import Testing
@testable import ProofKernel

/// Adversarial inputs are refused, not trapped on: an equality with the constant Int.min (whose
/// negation does not fit an Int) and constants whose powers would not fit in memory.
@Suite("Kernel limits")
struct LimitTests {
  @Test func anEqualityWithTheSmallestConstantPrints() throws {
    let g = try Guard(equal: [try Affine(constant: .min, [(.index("i"), 1)])])
    let t = Term.bracket(g)
    #expect(t.alphaKey.contains("9223372036854775808"))
    #expect(try Theorem.ring(t, t).lhs == t)
  }

  /// A sum's finiteness check reads an equality as two inequalities; with a coefficient of
  /// Int.min it negated that coefficient and trapped (session 21). Only the signs matter.
  @Test func aSumOverAnEqualityWithTheSmallestCoefficientIsCheckedNotTrapped() throws {
    let x = vector("x")
    let e = try Affine([(.index("p"), 3), (.index("z"), Int.min)])
    let pinned = try Guard(equal: [e])
    #expect(pinned.constraints.contains { $0.expression.coefficient(of: .index("z")) == Int.min })
    // Bounded: `p` has its axis (and the equality ties it to the free `z`).
    let g = try Guard.conjunction([axis("p", d("n")), pinned].flatMap { $0.constraints.map { ($0.relation, $0.expression) } })
    #expect(throws: Never.self) { try Term.sum(["p"], g, at(x, i("p"))) }
    // Not bounded: the equality alone bounds neither `p` nor `z`; refused as malformed.
    do {
      _ = try Term.sum(["p", "z"], pinned, at(x, i("p")))
      Issue.record("accepted an unbounded sum")
    } catch let error as KernelError {
      #expect(error.description.contains("does not bound every index"), "\(error)")
    }
  }

  @Test func hugeCoefficientsAreRefused() {
    let big = Term.constant(Rational(Integer(2).power(40_000)))
    do {
      _ = try Theorem.ring(.power(big, Rational(64)), .zero)
      Issue.record("accepted")
    } catch let error as KernelError {
      #expect(error.description.hasPrefix("ring: a ") && error.description.contains("65536 bits"), "\(error)")
    } catch { Issue.record("\(error)") }
    // A negative power of a constant is computed directly (not by expansion): refused before.
    #expect(throws: KernelError.self) { try Theorem.ring(.power(big, Rational(-64)), .zero) }
    // Products of moderate constants that grow past the limit are refused too.
    let half = Term.constant(Rational(Integer(2).power(40_000)))
    #expect(throws: KernelError.self) { try Theorem.ring(.mul([half, half]), .zero) }
    // Ordinary sizes are untouched.
    #expect(throws: Never.self) { try Theorem.ring(.mul([.integer(3), .integer(4)]), .integer(12)) }
  }
}
