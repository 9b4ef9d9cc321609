internal import Exact
internal import ProofKernel

extension Prover {
  /// Uses the equations stated for every index, `forall c: n. A = B` (softmax cross-entropy over a
  /// batch: `forall ex: B. sum(i: N) target[ex, i] = 1`), at an index `e` of a monomial (one of its
  /// bound indices, or a free one): where the monomial, `e` held fixed, has as a group of its other
  /// bound indices the normal form of `A` at `e`, the group is split off as a sum of its own (as
  /// `useHypotheses` does), replaced by `B` at `e`, and the whole normalized again. Returns the new
  /// monomials (unchanged when nothing applies).
  ///
  /// Sound by the kernel's rules alone: the instance is `assume` of the `forall` at `e`, which
  /// brings the guard instance (`0 <= e < B`) as a hypothesis; `cong` quantifies it over the sum
  /// that binds `e` (`forall e. [G] -> [0 <= e < B]`), and `discharge` covers that by the sum's own
  /// range `G`; for a free `e` (a cotangent's index, compared on its own) it stays, and the range
  /// bracket the normal form gives `e` is dropped under it (`Chain.dropping`).
  static func useQuantifiedHypotheses(_ chain: inout Chain, _ ms: [Monomial], _ statement: Statement, _ normalizer: inout Normalizer) throws -> [Monomial] {
    var current = ms
    for hypothesis in statement.assumptions {
      guard case let .forAll(cs, g, .equal(a, _)) = hypothesis, cs.count == 1 else { continue }
      let tensors = a.accessedTensorNames
      guard !tensors.isEmpty else { continue }
      var instances: [String: [Instance]] = [:]
      var rounds = 0
      search: while rounds < 8 {
        for (k, m) in current.enumerated() {
          for e in m.indices(readingAll: tensors) {
            if instances[e] == nil { instances[e] = try Self.instances(of: hypothesis, at: e, &chain, &normalizer) }
            let candidates = instances[e]!
            guard !candidates.isEmpty else { continue }
            var fixed = m
            fixed.binders.removeAll { $0 == e }
            // In key order: a dictionary's order changes from run to run, and the proof must not.
            for (_, (sum, _)) in try Diagnosis.components(fixed).sorted(by: { $0.key < $1.key }) {
              guard let rewrite = candidates.first(where: { $0.key == sum.key })?.rewrite, let part = try readMonomial(sum) else { continue }
              rounds += 1
              let p = current.count == 1 ? [] : [k]
              let product = try splitOff(&chain, at: p, m, part)
              try chain.rewrite(at: product.map { $0 + [1] } ?? p + m.sumPath, by: rewrite)
              current = try normalizer.normalize(&chain, current, changedAt: k)
              // A free `e` keeps its range as a bracket (`[0 <= e < B]`, where the sum read the
              // tensor): the instance's hypothesis already states it, so it is 1.
              if !m.binders.contains(e), try chain.dropping(try g.substituting([cs[0]: try .index(e)])) {
                current = try normalizer.normalize(&chain, at: [])
              }
              continue search
            }
          }
        }
        break
      }
    }
    return current
  }

  /// The key of an instance's left side, and the step of `{h, H[c := e]} ⊢ A' = B[e]`.
  private typealias Instance = (key: String, rewrite: Int)

  /// The instances of `h = forall c. [H] -> A = B` at `e` that a monomial can hold as a group of
  /// its bound indices: `A[e]` as written (`sum(i: n) t[e, i]`: the normal form would add the
  /// range of `e`, `0 <= e < B`, which in the monomial is the sum over `e`'s, outside the group),
  /// and its normal form, when that is one sum with coefficient 1.
  private static func instances(of h: Proposition, at e: String, _ chain: inout Chain, _ normalizer: inout Normalizer) throws -> [Instance] {
    let assumed = try chain.builder.apply(.assume(h, instance: [try Affine.index(e)]))
    let lhs = chain.builder.theorem(assumed).lhs
    var found: [Instance] = []
    if case .sum = lhs.node { found.append((lhs.key, assumed)) }
    var side = try chain.builder.start(lhs)
    let nf = try normalizer.normalize(&side, at: [])
    if nf.count == 1, nf[0].coefficient == Rational(1), nf[0].dimensions.isEmpty, !nf[0].binders.isEmpty {
      let key = try nf[0].sumPart().key
      if key != found.first?.key { found.append((key, try chain.builder.apply(.trans(try chain.builder.apply(.sym(side.step)), assumed)))) }
    }
    return found
  }
}

extension Monomial {
  /// The indices (bound or free) at which the monomial's factors read the tensors named, when
  /// they read all of them; bound ones first, each once, in the order met.
  func indices(readingAll names: Set<String>) -> [String] {
    var read: Set<String> = [], found: [String] = []
    func walk(_ t: Term) {
      if case let .access(x, at) = t.node, names.contains(x.name) {
        read.insert(x.name)
        for a in at { for i in a.indices.sorted() where !found.contains(i) { found.append(i) } }
      }
      for c in t.children { walk(c) }
    }
    for f in factors { walk(f.atom) }
    guard read == names else { return [] }
    return found.filter(binders.contains) + found.filter { !binders.contains($0) }
  }
}

extension Term {
  /// The names of the tensors the term reads.
  var accessedTensorNames: Set<String> {
    if case let .access(x, _) = node { return [x.name] }
    return children.reduce(into: []) { $0.formUnion($1.accessedTensorNames) }
  }
}
