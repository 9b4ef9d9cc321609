import Exact
import Testing
@testable import ProofKernel
import TermPrinting

/// The class of mistake behind issue 13: a false guard has no constraints, so "every constraint is
/// known" holds of it vacuously. Each side condition of `discharge`, `assume` and the positivity
/// check that this touches has a refusal here (Docs/Rules.md, "Hypotheses").
@Suite("False guards, empty ranges, vacuous quantifiers")
struct VacuityTests {
  let x = vector("x"), dx = vector("dx"), dy = vector("dy")

  func expectRefusal(_ rule: String, _ body: () throws -> Theorem, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
      let th = try body()
      Issue.record("\(rule) accepted: \(th)", sourceLocation: sourceLocation)
    } catch let error as KernelError {
      #expect(error.description.hasPrefix(rule + ":"), "\(error)", sourceLocation: sourceLocation)
    } catch {
      Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
  }

  @Test func aFalseGuardIsNeverCovered() throws {
    let falsehood = try Theorem.assume(.holds(.false))  // {false} ⊢ 0 = 1: true, and useless
    #expect(falsehood.lhs == .zero && falsehood.rhs == .one)
    expectRefusal("discharge") { try .discharge(falsehood, stating: []) }
    expectRefusal("discharge") { try .discharge(falsehood, stating: [.holds(axis("j", d("n")))]) }
    // Stating it keeps the theorem vacuous, which is sound.
    #expect(try Theorem.discharge(falsehood, stating: [.holds(.false)]).hypotheses == [.holds(.false)])
  }

  @Test func aQuantifiedFalseBodyIsNeverCovered() throws {
    // forall k: n. false says n < 1, false for every dimension.
    let impossible = try Proposition.quantified(["k"], axis("k", d("n")), .holds(.false))
    let th = try Theorem.assume(impossible, instance: [i("j")])
    expectRefusal("discharge") { try .discharge(th, stating: [.holds(axis("j", d("n")))]) }
    // Also not with the constraints of the body stated elsewhere: a false guard has none to match.
    expectRefusal("discharge") { try .discharge(th, stating: [.holds(axis("j", d("n"))), .holds(axis("k", d("n")))]) }
  }

  @Test func aVacuousQuantifierIsTrueButCoversNothing() throws {
    let everywhere = try Proposition.quantified(["k"], axis("k", d("n")), .nonZero(at(x, i("k"))))
    let vacuous = try Proposition.quantified(["k"], .false, .nonZero(at(x, i("k"))))
    // A relu-style hypothesis is not discharged by a stated forall over a false guard.
    let relu = try reluVJPBeforeDischarge()
    expectRefusal("discharge") { try .discharge(relu, stating: [vacuous, .holds(axis("i", d("n")))]) }
    #expect(try Theorem.discharge(relu, stating: [everywhere, .holds(axis("i", d("n")))]).hypotheses.count == 2)
    // A hypothesis that is itself vacuous is true, so it needs nothing stated; the false instance
    // guard that comes with it still does.
    let ones = try Proposition.quantified(["k"], .false, .equal(at(x, i("k")), q(1)))
    let th = try Theorem.assume(ones, instance: [i("j")])
    #expect(try Theorem.discharge(th, stating: [.holds(.false)]).hypotheses == [.holds(.false)])
    expectRefusal("discharge") { try .discharge(th, stating: []) }
  }

  @Test func anInstanceOutsideTheRangeProvesNothing() throws {
    let ones = try Proposition.quantified(["k"], axis("k", d("n")), .equal(at(x, i("k")), q(1)))
    var proof = Derivation()
    let s0 = try proof.apply(.assume(ones, instance: [.constant(-1)]))  // {ones, false} ⊢ x[-1] = 1
    let s1 = try proof.apply(.sym(s0))
    let s2 = try proof.apply(.rewrite(s1, path: [], .zeroExt))      // 1 = [false] * x[-1]
    let s3 = try proof.apply(.rewrite(s2, path: [], .ring(.zero)))      // 1 = 0
    #expect(proof.theorems[s3].hypotheses.contains(.holds(.false)))
    expectRefusal("discharge") { try .discharge(proof.theorems[s3], stating: [ones]) }
  }

  @Test func assumeChecksItsBinders() throws {
    let body = Proposition.equal(at(x, i("k")), q(1))
    expectRefusal("assume") { try .assume(.forAll(["k", "k"], axis("k", d("n")), body), instance: [i("a"), i("b")]) }
    expectRefusal("assume") { try .assume(.forAll([], .true, body), instance: []) }
    // A nested forall needs its own instance: refused rather than half instantiated.
    let nested = Proposition.forAll(["k"], axis("k", d("n")), .forAll(["m"], axis("m", d("n")), body))
    expectRefusal("assume") { try .assume(nested, instance: [i("j")]) }
  }

  /// `step(0)` and `0 ^ q` for a fractional `q` are unspecified reals: the positivity check may not
  /// take them to be >= 0. `1 + step(a)` could be 0.
  @Test func positivityIsConservativeWhereValuesAreUnspecified() throws {
    let a = at(x, .constant(0))
    for doubtful in [q(1) + step(a), q(1) + pow(pow(a, 2), 1, 2), q(1) + pow(pow(a, 2), -1)] {
      expectRefusal("discharge") { try .discharge(.powMerge(doubtful * pow(doubtful, -1)), stating: []) }
    }
    for sure in [q(1) + relu(a), q(1) + pow(pow(a, 2), 3), q(1) + pow(.apply(.exp, a), 1, 2), q(1) + pow(a, 4)] {
      #expect(throws: Never.self) { try Theorem.discharge(.powMerge(sure * pow(sure, -1)), stating: []) }
    }
  }

  func reluVJPBeforeDischarge() throws -> Theorem { try reluVJPDerivation(x: x, dx: dx, dy: dy).last }
}

@Suite("Readable statements")
struct ReadableStatementTests {
  /// Two tensors named `x` of different shapes are different tensors; the statement says so.
  @Test func sharedNamesPrintTheirShapes() throws {
    let xn = vector("x", "n"), xm = vector("x", "m"), dxm = vector("dx", "m")
    var proof = Derivation()
    let s = try proof.apply(.refl(try .derivative(at(xn, .constant(0)), xm, along: dxm)))
    try proof.apply(.rewrite(s, path: [], .jvp))
    #expect(proof.last.rhs == .zero)
    #expect(proof.last.description == "⊢ D(x<n>[0])[x<m> := dx] = 0")
    // One tensor per name: no shapes.
    #expect(try Theorem.jvp(try .derivative(at(xn, .constant(0)), xn, along: vector("dx"))).description == "⊢ D(x[0])[x := dx] = dx[0]")
  }
}
