import Certificates
import Exact
import ProofKernel
import Testing

/// The forgeries of issue 13, written as certificates: each replayed to a false theorem under the
/// kernel of certify-rules-1 (a false guard counted as covered by `discharge`). Each must now be
/// rejected, at the forging step, with a one-line reason naming the step and its rule.
@Suite("Forged certificates")
struct ForgeryTests {
  static let n = try! Affine.dimension("n")
  static let x = try! TensorSymbol("x", shape: [n]), dx = try! TensorSymbol("dx", shape: [n]), dy = try! TensorSymbol("dy", shape: [n])
  static func at(_ t: TensorSymbol, _ i: Affine) -> Term { try! .access(t, [i]) }
  static func index(_ name: String) -> Affine { try! .index(name) }
  static let rangeOfK = try! Guard.axis("k", size: n)
  static let rangeOfI = try! Guard.axis("i", size: n)

  /// A certificate claiming `hypotheses ⊢ lhs = rhs` by `steps`.
  static func forged(_ name: String, _ steps: [Step], claiming hypotheses: [Proposition], _ lhs: Term, _ rhs: Term) -> Certificate {
    let text = try! Theorem.serialization(hypotheses: hypotheses, lhs: lhs, rhs: rhs)
    return Certificate(
      name: name, source: "Theorems/forged.thm", ruleSetVersion: Derivation.ruleSetVersion,
      functionTableVersion: FunctionTable.version, statement: "⊢ \(lhs) = \(rhs)", sideConditions: hypotheses.map(\.description),
      sha256: CertificateHash.sha256(of: text), theorem: text, definitions: [], steps: steps)
  }

  /// `assume (H (G false))` then `discharge` stating nothing: `⊢ 0 = 1`.
  static var zeroIsOne: Certificate {
    forged("zero_is_one", [.assume(.holds(.false), instance: []), .discharge(0, stating: [])], claiming: [], .zero, .one)
  }

  /// `forall k: n. false` (which says n < 1) discharged as if true: `0 <= j < n ⊢ 0 = 1`.
  static var noDimension: Certificate {
    let impossible = try! Proposition.quantified(["k"], rangeOfK, .holds(.false))
    let rangeOfJ = try! Guard.axis("j", size: n)
    return forged("no_dimension", [.assume(impossible, instance: [index("j")]), .discharge(0, stating: [.holds(rangeOfJ)])],
                  claiming: [.holds(rangeOfJ)], .zero, .one)
  }

  /// `forall k: n. x[k] = 1` instantiated at `k = -1`, then zero extension: `forall k: n. x[k] = 1 ⊢ 1 = 0`.
  static var outOfRange: Certificate {
    let ones = try! Proposition.quantified(["k"], rangeOfK, .equal(at(x, index("k")), .one))
    return forged("out_of_range", [
      .assume(ones, instance: [.constant(-1)]), .sym(0), .rewrite(1, path: [], .zeroExt), .rewrite(2, path: [], .ring(.zero)),
      .discharge(3, stating: [ones]),
    ], claiming: [ones], .one, .zero)
  }

  /// The wrong relu rule `vjp x[i] = dy[i]`: the true rule, then `0 = 1` from a false guard to turn
  /// `step(x[i]) * dy[i]` into `dy[i]`, then a stated vacuous `forall k | false. x[k] != 0`.
  static var wrongRelu: Certificate {
    let o = index("o"), i = index("i")
    let lhs = try! Term.sum(["o"], try! .axis("o", size: n), .mul([at(dy, o), try! .derivative(.apply(.relu, at(x, o)), x, along: dx)]))
    let rule = Term.mul([.apply(.step, at(x, i)), at(dy, i)])
    let other = Term.add([at(dy, i), .mul([.integer(-1), rule])])
    let vacuous = try! Proposition.quantified(["k"], .false, .nonZero(at(x, index("k"))))
    let vjp = try! Term.vjp(.apply(.relu, at(x, o)), binders: ["o"], shape: [n], wrt: x, seed: dy, at: [i])
    return forged("relu_wrong", [
      .refl(lhs),
      .rewrite(0, path: [0, 1], .jvp),
      .rewrite(1, path: [0], .ring(.mul([at(dx, o), .mul([.apply(.step, at(x, o)), at(dy, o)])]))),
      .vjpIntro(2, at: ["i"]),
      .rewrite(3, path: [], .ring(.add([rule, .mul([.zero, other])]))),
      .assume(.holds(.false), instance: []),
      .cong(4, path: [1, 0], by: 5),
      .rewrite(6, path: [], .ring(at(dy, i))),
      .discharge(7, stating: [vacuous, .holds(rangeOfI)]),
    ], claiming: [vacuous, .holds(rangeOfI)], vjp, at(dy, i))
  }

  /// `1 + step(x[0]) != 0` taken from positivity (step(0) is unspecified): `⊢ (1 + step(x[0]))^-1 * (1 + step(x[0])) = 1`.
  static var stepPositivity: Certificate {
    let a = Term.add([.one, .apply(.step, at(x, .constant(0)))])
    let t = Term.mul([.power(a, Rational(-1)), a])
    return forged("step_positive", [.refl(t), .rewrite(0, path: [], .powMerge), .discharge(1, stating: [])], claiming: [], t, .one)
  }

  static let all: [(Certificate, step: Int)] = [(zeroIsOne, 1), (noDimension, 1), (outOfRange, 4), (wrongRelu, 8), (stepPositivity, 2)]

  @Test(arguments: ForgeryTests.all.map { $0.0 })
  func forgeryIsRejectedAtItsDischarge(_ certificate: Certificate) throws {
    let step = ForgeryTests.all.first { $0.0.name == certificate.name }!.step
    // Every step before the forging one still replays: the forgery is refused where it forges.
    var proof = Derivation()
    for s in certificate.steps.prefix(step) { try proof.apply(s) }
    do {
      let accepted = try Replay.replay(encoded: certificate.encoded(), expecting: certificate.theorem)
      Issue.record("accepted: \(accepted.theorem)")
    } catch {
      #expect(error.step == step)
      #expect(error.rule == "discharge")
      #expect(error.description.hasPrefix("step \(step) (discharge): discharge: hypothesis not stated and not provable"), "\(error)")
      #expect(!error.description.contains("\n"))
    }
  }
}
