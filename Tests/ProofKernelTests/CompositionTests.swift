import Exact
@testable import ProofKernel
import Testing

/// `chain` and `fan-out` (Rules+Composition.swift): a correct use of each, then one refusal per
/// side condition. Refused premises are built directly (`@testable`): the rule must refuse their
/// form, whatever proved them.
@Suite("Composition rules")
struct CompositionTests {
  let x = vector("x"), dx = vector("dx"), u = vector("u"), du = vector("du"), dy = vector("dy"), dz = vector("dz")
  let o = i("o")

  func expectRefusal(_ rule: String, _ reason: String, _ body: () throws -> Theorem, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
      let th = try body()
      Issue.record("\(rule) accepted: \(th)", sourceLocation: sourceLocation)
    } catch let error as KernelError {
      #expect(error.description.hasPrefix(rule + ":") && error.description.contains(reason), "\(error)", sourceLocation: sourceLocation)
    } catch { Issue.record("unexpected \(error)", sourceLocation: sourceLocation) }
  }

  /// `Γ ⊢ SD(y, seed; x := dx) = sum(o)[shape x] dx[o] * g`, stated without proof.
  func identity(_ y: Term, seed: TensorSymbol?, _ x: TensorSymbol, _ dx: TensorSymbol, _ g: Term, _ hypotheses: [Proposition] = []) throws -> Theorem {
    let derivative = try Term.derivative(y, x, along: dx)
    let lhs = try seed.map { s in try Term.sum(["o"], axis("o", d("n")), at(s, o) * derivative) } ?? derivative
    return Theorem(hypotheses, lhs, try Term.sum(["o"], x.shapeGuard([o]), at(dx, o) * g))
  }

  /// `⊢ D (sum(o: n) u[o]^2) [u := du] = sum(o: n) du[o] * (2 * u[o])`, proved.
  func squareGradient(_ proof: inout Derivation) throws -> Int {
    let start = try proof.apply(.refl(try .derivative(sum("o", d("n"), pow(at(u, o), 2)), u, along: du)))
    let derived = try proof.apply(.rewrite(start, path: [], .jvp))
    return try proof.apply(.rewrite(derived, path: [0], .ring(at(du, o) * (q(2) * at(u, o)))))
  }

  // MARK: - chain

  @Test func chainComposesTheOuterGradientWithTheInnerVJP() throws {
    var proof = try reluVJPDerivation(x: x, dx: dx, dy: dy)
    let inner = proof.steps.count - 2  // the adjoint identity, before vjp-intro
    let outer = try squareGradient(&proof)
    let composed = try proof.apply(.chain(outer, inner))
    let th = proof.theorems[composed]
    // u[o] inside sum(o: n) is in its shape, so no bracket: the outer function of relu(x).
    #expect(th.lhs == (try .derivative(sum("o", d("n"), pow(relu(at(x, o)), 2)), x, along: dx)))
    #expect(th.rhs == sum("o", d("n"), at(dx, o) * (step(at(x, o)) * (q(2) * relu(at(x, o))))))
    #expect(th.hypotheses.count == 1)  // relu's condition, forall o: n. x[o] != 0
    // The result introduces a gradient like any adjoint identity.
    let grad = try proof.apply(.vjpIntro(composed, at: ["i"]))
    #expect(proof.theorems[grad].rhs == step(at(x, i("i"))) * (q(2) * relu(at(x, i("i")))))
  }

  @Test func chainBracketsAnEntryOutsideTheKnownShape() throws {
    // The outer function reads u[o + 1], which may be past the end: there u is 0, relu(x[n]) is not.
    let shifted = sum("o", d("n"), at(u, plus(o, 1)))
    let outer = try identity(shifted, seed: nil, u, du, q(1))
    let inner = try identity(relu(at(x, o)), seed: dy, x, dx, step(at(x, o)) * at(dy, o))
    let th = try Theorem.chain(outer, inner)
    let bracket = Term.bracket(try u.shapeGuard([plus(o, 1)]))
    #expect(th.lhs == (try .derivative(sum("o", d("n"), bracket * relu(at(x, plus(o, 1)))), x, along: dx)))
  }

  @Test func chainRefusesAnInnerPremiseWithoutSeed() throws {
    let outer = try identity(sum("o", d("n"), at(u, o)), seed: nil, u, du, q(1))
    let inner = try identity(sum("o", d("n"), at(x, o)), seed: nil, x, dx, q(1))
    expectRefusal("chain", "no seed") { try .chain(outer, inner) }
  }

  @Test func chainRefusesASeedOfAnotherShape() throws {
    let outer = try identity(sum("o", d("n"), at(u, o)), seed: nil, u, du, q(1))
    let m = vector("dm", "m"), xm = vector("x", "m"), dxm = vector("dx", "m")
    let inner = Theorem([], try .sum(["o"], axis("o", d("m")), at(m, o) * .derivative(at(xm, o), xm, along: dxm)),
                        try .sum(["o"], axis("o", d("m")), at(dxm, o) * at(m, o)))
    expectRefusal("chain", "does not have the shape") { try .chain(outer, inner) }
  }

  @Test func chainRefusesTensorsThatAreNotDistinct() throws {
    // The inner variable is the outer one.
    let outer = try identity(sum("o", d("n"), at(u, o)), seed: nil, u, du, q(1))
    let inner = try identity(at(u, o), seed: dy, u, dx, at(dy, o))
    expectRefusal("chain", "not distinct") { try .chain(outer, inner) }
  }

  @Test func chainRefusesAnOuterFunctionOfTheInnerVariable() throws {
    // sum u[o] * x[o] depends on x directly, not only through u.
    let outer = try identity(sum("o", d("n"), at(u, o) * at(x, o)), seed: nil, u, du, at(x, o))
    let inner = try identity(at(x, o), seed: dy, x, dx, at(dy, o))
    expectRefusal("chain", "depends on x") { try .chain(outer, inner) }
  }

  @Test func chainRefusesAnOuterDirectionOrSeedThatIsNotFresh() throws {
    let inner = try identity(at(x, o), seed: dy, x, dx, at(dy, o))
    let inGradient = try identity(sum("o", d("n"), at(u, o)), seed: nil, u, du, at(du, o))
    expectRefusal("chain", "must occur in neither the outer") { try .chain(inGradient, inner) }
    let seedInHypothesis = try identity(at(u, o), seed: dz, u, du, at(dz, o), [.nonZero(at(dz, i("k")))])
    expectRefusal("chain", "must occur in neither the outer") { try .chain(seedInHypothesis, inner) }
  }

  @Test func chainRefusesAnInnerSeedOrDirectionThatIsNotFresh() throws {
    let outer = try identity(sum("o", d("n"), at(u, o)), seed: nil, u, du, q(1))
    let seedInOutput = try identity(at(x, o) * at(dy, o), seed: dy, x, dx, at(dy, o))
    expectRefusal("chain", "must occur in neither the inner") { try .chain(outer, seedInOutput) }
    let directionInHypothesis = try identity(at(x, o), seed: dy, x, dx, at(dy, o), [.nonZero(at(dx, i("k")))])
    expectRefusal("chain", "must occur in neither the inner") { try .chain(outer, directionInHypothesis) }
  }

  @Test func chainRefusesFreeIndicesOfTheInnerFunction() throws {
    // U(o) = x[k] reads a free index k, which a binder of the outer function would capture.
    let outer = try identity(sum("o", d("n"), at(u, o)), seed: nil, u, du, q(1))
    let inner = try identity(at(x, i("k")), seed: dy, x, dx, at(dy, o))
    expectRefusal("chain", "free indices") { try .chain(outer, inner) }
  }

  @Test func chainRefusesTheOuterVariableInsideADefinition() throws {
    let square = try Definition("sq", parameters: ["p"], shape: [d("n")], body: pow(at(u, i("p")), 2))
    let outer = try identity(sum("o", d("n"), try .reference(square, [o])), seed: nil, u, du, q(2) * at(u, o))
    let inner = try identity(at(x, o), seed: dy, x, dx, at(dy, o))
    expectRefusal("chain", "occurs inside") { try .chain(outer, inner) }
  }

  @Test func chainRefusesPremisesThatAreNotAdjointIdentities() throws {
    let inner = try identity(at(x, o), seed: dy, x, dx, at(dy, o))
    expectRefusal("chain", "no D y") { try .chain(Theorem([], at(u, o), at(u, o)), inner) }
  }

  // MARK: - fan-out

  @Test func fanOutAddsTheCotangentsOfTwoPaths() throws {
    var proof = try reluVJPDerivation(x: x, dx: dx, dy: dy)
    let path = proof.steps.count - 2
    let start = try proof.apply(.refl(try .sum(["o"], axis("o", d("n")), at(dy, o) * .derivative(q(3) * at(x, o), x, along: dx))))
    let derived = try proof.apply(.rewrite(start, path: [0, 1], .jvp))
    let linear = try proof.apply(.rewrite(derived, path: [0], .ring(at(dx, o) * (q(3) * at(dy, o)))))
    let both = try proof.apply(.fanOut(path, linear))
    let th = proof.theorems[both]
    #expect(th.lhs == (try .sum(["o"], axis("o", d("n")), at(dy, o) * .derivative(relu(at(x, o)) + q(3) * at(x, o), x, along: dx))))
    #expect(th.rhs == sum("o", d("n"), at(dx, o) * (step(at(x, o)) * at(dy, o) + q(3) * at(dy, o))))
  }

  @Test func fanOutRefusesPremisesThatDiffer() throws {
    let a = try identity(at(x, o), seed: dy, x, dx, at(dy, o))
    let b = try identity(at(x, o), seed: dz, x, dx, at(dz, o))
    expectRefusal("fan-out", "differ") { try .fanOut(a, b) }
  }

  @Test func fanOutRefusesADirectionOrSeedThatIsNotFresh() throws {
    let a = try identity(at(x, o), seed: dy, x, dx, at(dy, o))
    let inHypothesis = try identity(at(x, o), seed: dy, x, dx, at(dy, o), [.nonZero(at(dx, i("k")))])
    expectRefusal("fan-out", "occurs in an output or a hypothesis") { try .fanOut(a, inHypothesis) }
    let seedInOutput = try identity(at(x, o) * at(dy, o), seed: dy, x, dx, at(dy, o))
    expectRefusal("fan-out", "occurs in an output or a hypothesis") { try .fanOut(seedInOutput, a) }
  }

  @Test func fanOutRefusesTheSeedAsVariable() throws {
    let a = try identity(at(x, o), seed: x, x, dx, at(x, o))
    expectRefusal("fan-out", "the seed is the variable") { try .fanOut(a, a) }
  }
}
