import Certificates
import Evaluation
import Exact
import Foundation
import ProofKernel

/// Mutants of the checked-in certificates: every field of a step changed (rule, premises, position,
/// terms, instances, stated hypotheses), the derivation replayed through the kernel from that step
/// on, and every theorem the kernel still accepts after the change checked numerically. No mutant
/// may yield a theorem that evaluates false.
struct CertificateMutations {
  struct Report: CustomStringConvertible {
    var certificates = 0, mutants = 0, refused = 0, replayed = 0, checked = 0, evaluated = 0
    /// Certificates that received at least one mutant.
    var mutated: Set<String> = []
    var seconds = 0.0
    var failures: [String] = []
    var description: String {
      "\(certificates) certificates (\(mutated.count) mutated), \(mutants) mutants: \(refused) refused by the kernel, \(replayed) replayed to the end, "
        + "\(checked) theorems checked (\(evaluated) at evaluated points) in \(String(format: "%.1f", seconds)) s; "
        + "\(failures.count) false theorems"
    }
  }

  var random: RandomTerms
  var report = Report()

  init(seed: UInt64) { random = RandomTerms(seed: seed) }

  /// The certificates under `folder`, decoded.
  static func load(_ folder: URL) throws -> [Certificate] {
    let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?
      .compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }.sorted { $0.path < $1.path } ?? []
    return try files.map { try Certificate(decoding: String(contentsOf: $0, encoding: .utf8)) }
  }

  /// Mutates steps of `certificates` at random, round-robin, until `seconds` have passed and every
  /// certificate has had a mutant (a random change can leave a step as it was, so a certificate may
  /// need several tries; at most 20 rounds are spent on coverage past the budget). The budget
  /// counts mutants only, not the replay of the unmutated derivations before them, so a loaded
  /// machine gets fewer mutants but never an uncovered certificate.
  mutating func run(_ certificates: [Certificate], seconds: Double) -> Report {
    report.certificates = certificates.count
    // The theorems of each unmutated derivation, so a mutant replays only from its step on.
    let prefixes = certificates.map { certificate -> [Derivation] in
      var proof = Derivation()
      var snapshots = [proof]
      for step in certificate.steps { _ = try? proof.apply(step); snapshots.append(proof) }
      return snapshots
    }
    let start = Date()
    var round = 0
    repeat {
      let c = round % certificates.count
      let steps = certificates[c].steps
      let k = random.below(steps.count)
      mutate(steps, at: k, from: prefixes[c][k], name: certificates[c].name)
      round += 1
      report.seconds = Date().timeIntervalSince(start)
    } while report.seconds < seconds || (report.mutated.count < certificates.count && round < 20 * certificates.count)
    return report
  }

  mutating func mutate(_ steps: [Step], at k: Int, from prefix: Derivation, name: String) {
    guard let changed = mutant(of: steps[k], at: k, prefix), changed != steps[k] else { return }
    report.mutants += 1
    report.mutated.insert(name)
    var proof = prefix
    var accepted: [Int] = []
    for (j, step) in ([changed] + steps[(k + 1)...]).enumerated() {
      do { accepted.append(try proof.apply(step)) } catch {
        if j == 0 { report.refused += 1 }
        break
      }
    }
    if accepted.count == steps.count - k { report.replayed += 1 }
    // The mutated step's theorem and the last one reached.
    for index in Set([accepted.first, accepted.last].compactMap { $0 }) {
      let th = proof.theorems[index]
      report.checked += 1
      // Evaluation costs size^(nested binders): a theorem as large as batch norm's input rule (four
      // dimensions, sums three deep) took minutes at size 4, so large theorems are checked at sizes
      // up to 2.
      let sizes = th.description.utf8.count > 2_000 ? 1...2 : 1...4
      switch NumericCheck(trials: 2, sizes: sizes, seed: random.random.next()).check(lhs: th.lhs, rhs: th.rhs, hypotheses: th.hypotheses) {
      case .passed: report.evaluated += 1
      case .inconclusive: break
      case let .counterexample(c):
        report.failures.append("\(name): step \(k) mutated to \(changed) gives the false theorem \(th) (step \(index))\n counterexample: \(c)")
      }
    }
  }

  /// A random change of one field of `step`.
  mutating func mutant(of step: Step, at k: Int, _ prefix: Derivation) -> Step? {
    func premise(_ a: Int) -> Int { k == 0 ? a + 1 : (random.chance(80) ? random.below(k) : a + random.below(3) - 1) }
    switch step {
    case let .refl(t): return .refl(term(t))
    case let .sym(a): return random.chance(50) ? .sym(premise(a)) : .refl(random.term(["i"]))
    case let .trans(a, b): return random.chance(50) ? .trans(premise(a), b) : .trans(a, premise(b))
    case let .alpha(a, l, r): return random.chance(40) ? .alpha(premise(a), lhs: l, rhs: r) : .alpha(a, lhs: term(l), rhs: term(r))
    case let .cong(a, path, b):
      switch random.below(3) {
      case 0: return .cong(premise(a), path: path, by: b)
      case 1: return .cong(a, path: self.path(path), by: b)
      default: return .cong(a, path: path, by: premise(b))
      }
    case let .rewrite(a, path, rule):
      switch random.below(4) {
      case 0: return .rewrite(premise(a), path: path, rule)
      case 1: return .rewrite(a, path: self.path(path), rule)
      case 2:
        if case let .ring(target) = rule { return .rewrite(a, path: path, .ring(term(target))) }
        fallthrough
      default:
        let sub = prefix.theorems.indices.contains(a) ? ((try? prefix.theorems[a].rhs.subterm(at: path)) ?? .zero) : .zero
        return .rewrite(a, path: path, random.rewrite(for: sub, scope: ["i", "j"]))
      }
    case let .assume(h, instance):
      if !instance.isEmpty, random.chance(60) {
        var changed = instance
        let e = random.below(changed.count)
        changed[e] = random.chance(50) ? ((try? changed[e].plus(.constant(random.chance(50) ? 1 : -1))) ?? changed[e]) : random.affine(["i"])
        return .assume(h, instance: changed)
      }
      return .assume(formula(h), instance: instance)
    case let .discharge(a, stated):
      var changed = stated
      if !changed.isEmpty, random.chance(70) {
        let e = random.below(changed.count)
        if random.chance(40) { changed.remove(at: e) } else { changed[e] = formula(changed[e]) }
      } else {
        changed.append(random.formula(["i"]))
      }
      return .discharge(random.chance(20) ? premise(a) : a, stating: changed)
    case let .vjpIntro(a, at):
      return random.chance(50) ? .vjpIntro(premise(a), at: at) : .vjpIntro(a, at: at.map { _ in random.pick(["i", "j", "o", "k"]) })
    case let .chain(a, b):
      return random.chance(50) ? .chain(premise(a), b) : random.chance(50) ? .chain(a, premise(b)) : .chain(b, a)
    case let .chainDef(a, b):
      return random.chance(50) ? .chainDef(premise(a), b) : random.chance(50) ? .chainDef(a, premise(b)) : .chain(a, b)
    case let .fanOut(a, b):
      return random.chance(50) ? .fanOut(premise(a), b) : .fanOut(a, premise(b))
    }
  }

  mutating func path(_ p: [Int]) -> [Int] {
    var p = p
    switch random.below(3) {
    case 0 where !p.isEmpty: p.removeLast()
    case 1 where !p.isEmpty: p[random.below(p.count)] += random.chance(50) ? 1 : -1
    default: p.append(random.below(3))
    }
    return p
  }

  /// The term with one subterm replaced by a random term, or a constant changed.
  mutating func term(_ t: Term) -> Term {
    let positions = t.positions()
    let (path, scope) = random.pick(positions)
    return (try? replace(t, at: path[...], by: random.term(["i", "j"] + scope, depth: 1))) ?? t
  }

  func replace(_ t: Term, at path: ArraySlice<Int>, by new: Term) throws -> Term {
    guard let k = path.first else { return new }
    var children = t.children
    children[k] = try replace(children[k], at: path.dropFirst(), by: new)
    return try t.replacingChildren(children)
  }

  /// The formula with its guard falsified or changed, its body's term changed, or a random one.
  mutating func formula(_ f: Proposition) -> Proposition {
    switch f {
    case let .forAll(bs, g, body):
      switch random.below(3) {
      case 0: return .forAll(bs, .false, body)
      case 1: return .forAll(bs, random.range(bs[0], ["i"]), body)
      default: return (try? Proposition.quantified(bs, g, formula(body))) ?? f
      }
    case let .holds(g): return random.chance(50) ? .holds(.false) : .holds((try? Guard(g.constraints.dropLast())) ?? g)
    case let .equal(a, b): return .equal(term(a), b)
    case let .nonZero(t): return .nonZero(term(t))
    case let .positive(t): return .positive(term(t))
    }
  }
}
