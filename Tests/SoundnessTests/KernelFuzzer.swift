import Evaluation
import Exact
import Intervals
import Foundation
import ProofKernel

/// The soundness fuzzer: random derivations through the kernel's public API (`Derivation.apply`),
/// every theorem the kernel accepts checked by exact evaluation at random small sizes (1...4) and
/// random rational points where its hypotheses hold (`NumericCheck`, independent of the kernel's
/// rules and derivative table). A theorem that evaluates false is a kernel bug.
struct KernelFuzzer {
  /// What a run did.
  struct Report: CustomStringConvertible {
    var derivations = 0, attempts = 0, accepted = 0, checked = 0, evaluated = 0, unevaluated = 0
    var refusedByRule: [String: Int] = [:]
    var acceptedByRule: [String: Int] = [:]
    var failures: [String] = []
    var seconds = 0.0

    var description: String {
      let rules = acceptedByRule.keys.sorted().map { "\($0) \(acceptedByRule[$0]!)" }.joined(separator: ", ")
      return "\(derivations) derivations, \(attempts) steps tried, \(accepted) accepted, \(checked) theorems checked "
        + "(\(evaluated) with evaluated samples, \(unevaluated) with none: hypotheses never true or values unspecified) "
        + "in \(String(format: "%.1f", seconds)) s: \(String(format: "%.0f", Double(checked) / max(seconds, 1e-9))) theorems/s, "
        + "\(String(format: "%.1f", Double(derivations) / max(seconds, 1e-9))) derivations/s; accepted by rule: \(rules); "
        + "\(failures.count) false theorems"
    }
  }

  var random: RandomTerms
  var report = Report()
  let free = ["i", "j"]
  let stepsPerDerivation = 30
  let samples: Int

  init(seed: UInt64, samples: Int = 3) {
    random = RandomTerms(seed: seed)
    self.samples = samples
  }

  /// Runs derivations until `seconds` have passed (at least one derivation).
  mutating func run(seconds: Double) -> Report {
    let start = Date()
    repeat {
      derivation()
      report.seconds = Date().timeIntervalSince(start)
    } while report.seconds < seconds
    return report
  }

  /// One random derivation of up to `stepsPerDerivation` steps.
  mutating func derivation() {
    var proof = Derivation()
    report.derivations += 1
    if random.chance(25) { adjoint(&proof) }
    if random.chance(20) { composition(&proof) }
    for _ in 0..<stepsPerDerivation {
      let step = nextStep(proof)
      report.attempts += 1
      do {
        let k = try proof.apply(step)
        report.accepted += 1
        report.acceptedByRule[step.ruleName, default: 0] += 1
        if case .refl = step { continue }  // t = t
        if case .sym = step { continue }   // checked as its premise
        check(proof, k)
      } catch {
        report.refusedByRule[step.ruleName, default: 0] += 1
      }
    }
  }

  /// Applies `step`, counting and checking what the kernel accepts; the step's number, or nil.
  @discardableResult
  mutating func attempt(_ step: Step, _ proof: inout Derivation) -> Int? {
    report.attempts += 1
    do {
      let k = try proof.apply(step)
      report.accepted += 1
      report.acceptedByRule[step.ruleName, default: 0] += 1
      check(proof, k)
      return k
    } catch {
      report.refusedByRule[step.ruleName, default: 0] += 1
      return nil
    }
  }

  /// A scripted adjoint proof, so that `vjp-intro` is reached: `sum(o) dy[o] * D y(o) [x := dx]`
  /// for a random elementwise `y` (sometimes times `y[i]` or `y[j]`, an index free in the output), `jvp`, then the pairing read off the derivative (the factors
  /// beside `dx[o]`, sometimes with one dropped or the index shifted, which `ring` or `vjp-intro`
  /// should refuse), `vjp-intro` and a `discharge` of what the jvp assumed.
  mutating func adjoint(_ proof: inout Derivation) {
    let o = try! Affine.index("o")
    let xo = try! Term.access(random.x, [o])
    var y: Term = random.pick([
      .apply(random.pick(ScalarFunction.allCases), xo), .mul([.constant(Rational(random.below(5) - 2)), xo]),
      .power(xo, random.pick([Rational(2), Rational(3), Rational(-1), Rational(1, 2)])), .mul([xo, .apply(.sigmoid, xo)]),
      .mul([xo, try! Term.access(random.y, [o])]),
    ])
    // An output with a free index of its own (a class label), sometimes the index the vjp is read at.
    if random.chance(30) { y = .mul([y, try! Term.access(random.y, [try! Affine.index(random.pick(["i", "j"]))])]) }
    guard let derivative = try? Term.derivative(y, random.x, along: random.dx),
      let lhs = try? Term.sum(["o"], .axis("o", size: .dimension("n")), .mul([try! .access(random.dy, [o]), derivative]))
    else { return }
    guard let start = attempt(.refl(lhs), &proof), let derived = attempt(.rewrite(start, path: [0, 1], .jvp), &proof) else { return }
    // The derivative's factors other than dx[o], times dy[o].
    let d = (try? proof.theorems[derived].rhs.subterm(at: [0, 1])) ?? .zero
    var factors = d.node.isMulNode ? d.children : [d]
    let dxo = try! Term.access(random.dx, [o])
    guard let at = factors.firstIndex(of: dxo) else { return }
    factors.remove(at: at)
    if random.chance(15), !factors.isEmpty { factors.removeLast() }  // a wrong adjoint
    var g = Term.mul(factors + [try! .access(random.dy, [o])])
    if random.chance(10) { g = (try? g.substituting(["o": try! o.plus(.constant(1))])) ?? g }
    guard let paired = attempt(.rewrite(derived, path: [0], .ring(.mul([dxo, g]))), &proof),
      let introduced = attempt(.vjpIntro(paired, at: [random.pick(["i", "j"])]), &proof)
    else { return }
    let stated = random.chance(70) ? proof.theorems[introduced].hypotheses : stated(proof.theorems[introduced])
    attempt(.discharge(introduced, stating: stated), &proof)
  }

  mutating func check(_ proof: Derivation, _ k: Int) {
    let th = proof.theorems[k]
    report.checked += 1
    let numeric = NumericCheck(trials: samples, sizes: 1...4, seed: random.random.next())
    switch numeric.check(lhs: th.lhs, rhs: th.rhs, hypotheses: th.hypotheses) {
    case .passed: report.evaluated += 1
    case .inconclusive: report.unevaluated += 1
    case let .counterexample(c):
      let steps = proof.steps.prefix(k + 1).enumerated().map { "  \($0.offset): \($0.element)  ⟹  \(proof.theorems[$0.offset])" }
      report.failures.append("false theorem \(th)\n counterexample: \(c)\n derivation:\n" + steps.joined(separator: "\n"))
    }
  }

  /// A random step over the theorems so far: mostly local rewrites at random positions.
  mutating func nextStep(_ proof: Derivation) -> Step {
    let pool = proof.theorems
    if pool.isEmpty || random.chance(12) {
      return random.chance(60) ? .refl(random.term(free)) : assumption()
    }
    let a = random.below(pool.count)
    switch random.below(20) {
    case 0: return assumption()
    case 1: return .sym(a)
    case 2, 3: return matching(pool, a) ?? .refl(random.term(free))
    case 4, 5: return .discharge(a, stating: stated(pool[a]))
    case 6: return .vjpIntro(a, at: [random.pick(["i", "j", "u"])])
    case 8:
      let b = random.below(pool.count)
      return random.chance(50) ? (random.chance(50) ? .chain(a, b) : .chainDef(a, b)) : .fanOut(a, b)
    case 7:
      let t = pool[a].rhs
      return .alpha(a, lhs: pool[a].lhs, rhs: renamed(t))
    default:
      let (path, scope) = random.pick(pool[a].rhs.positions())
      let sub = (try? pool[a].rhs.subterm(at: path)) ?? pool[a].rhs
      return .rewrite(a, path: path, random.rewrite(for: sub, scope: free + scope))
    }
  }

  /// `assume` of a random formula, a quantified one at a random instance (often out of range).
  mutating func assumption() -> Step {
    let h = random.formula(free)
    if case let .forAll(bs, _, _) = h { return .assume(h, instance: bs.map { _ in random.affine(free) }) }
    return .assume(h, instance: [])
  }

  /// `cong` or `trans` with a premise whose left side matches a subterm (or the right side) of `a`.
  mutating func matching(_ pool: [Theorem], _ a: Int) -> Step? {
    let positions = pool[a].rhs.positions().map(\.0).shuffled(using: &random.random)
    for path in positions.prefix(6) {
      guard let sub = try? pool[a].rhs.subterm(at: path) else { continue }
      let key = sub.alphaKey
      if let b = pool.indices.shuffled(using: &random.random).first(where: { pool[$0].lhs.alphaKey == key }) {
        return path.isEmpty && random.chance(50) ? .trans(a, b) : .cong(a, path: path, by: b)
      }
    }
    return nil
  }

  /// What a `discharge` states: the theorem's hypotheses, some dropped, some weakened (a guard
  /// replaced by false, by one of its constraints, a forall's range changed), some added.
  mutating func stated(_ th: Theorem) -> [Proposition] {
    var out: [Proposition] = []
    for h in th.hypotheses {
      switch random.below(10) {
      case 0: continue  // dropped
      case 1:
        if case let .forAll(bs, _, body) = h { out.append(.forAll(bs, random.chance(50) ? .false : random.range(bs[0], free), body)) } else { out.append(h) }
      case 2:
        if case let .holds(g) = h, let c = g.constraints.first { out.append(.holds((try? Guard([c])) ?? g)) } else { out.append(h) }
      case 3: out.append(random.formula(free))
      default: out.append(h)
      }
    }
    if random.chance(20) { out.append(random.formula(free)) }
    return out
  }

  /// The term with its outermost sum's binders renamed (an `alpha` step the kernel should accept),
  /// or a random term (which it should refuse unless equal up to renaming).
  mutating func renamed(_ t: Term) -> Term {
    guard case let .sum(bs, g, body) = t.node, random.chance(70) else { return random.term(free, depth: 1) }
    let map = Dictionary(uniqueKeysWithValues: bs.map { ($0, try! Affine.index($0 + "r")) })
    return (try? Term.sum(bs.map { $0 + "r" }, g.substituting(map), body.substituting(map))) ?? t
  }
}

extension Term.Node {
  var isMulNode: Bool { if case .mul = self { return true } else { return false } }
}
