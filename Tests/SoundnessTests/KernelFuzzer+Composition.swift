import Exact
import ProofKernel

extension KernelFuzzer {
  /// A scripted composition, so that `chain` and `fan-out` are reached with premises of the right
  /// form: adjoint identities proved by `jvp` and `ring` for random elementwise functions (an
  /// outer one of `u`, an inner one of `x` with a seed), each sometimes wrong in one factor, then
  /// `chain` of the two (sometimes swapped) and `fan-out` of two inner ones. Every accepted
  /// theorem is evaluated like the rest.
  mutating func composition(_ proof: inout Derivation) {
    let n = try! Affine.dimension("n")
    let u = try! TensorSymbol("u", shape: [n]), du = try! TensorSymbol("du", shape: [n])
    let dz = try! TensorSymbol("dz", shape: [n]), dv = try! TensorSymbol("dv", shape: [n])
    // The outer function is sometimes read through a definition, for `chain-def` to rebuild.
    let outer = identity(&proof, variable: u, direction: du, seed: random.chance(70) ? dz : nil, defined: random.chance(50))
    let inner = identity(&proof, variable: random.x, direction: random.dx, seed: random.chance(85) ? dv : dz)
    if let outer, let inner { attempt(random.chance(85) ? .chain(outer, inner) : .chain(inner, outer), &proof) }
    if let outer, let inner { attempt(random.chance(85) ? .chainDef(outer, inner) : .chainDef(inner, outer), &proof) }
    let other = identity(&proof, variable: random.x, direction: random.dx, seed: dv)
    if let inner, let other { attempt(.fanOut(inner, random.chance(85) ? other : outer ?? other), &proof) }
  }

  /// `SD(y, seed; x := dx) = sum(i) dx[i] * g(i)` for a random elementwise `y` of `x[o]` (summed
  /// over `o` with the seed, or a sum over `o` without one): `jvp`, then `ring` to the pairing read
  /// off the derivative. Nil when the kernel refuses (a wrong pairing, by design sometimes).
  private mutating func identity(_ proof: inout Derivation, variable x: TensorSymbol, direction dx: TensorSymbol, seed: TensorSymbol?,
                                 defined: Bool = false) -> Int? {
    let o = try! Affine.index("o"), n = try! Affine.dimension("n")
    let xo = try! Term.access(x, [o])
    let f: Term = random.pick([
      .apply(random.pick([.tanh, .exp, .sigmoid, .relu]), xo), .mul([.constant(Rational(random.below(5) - 2)), xo]),
      .power(xo, random.pick([Rational(2), Rational(-1)])), .mul([xo, try! Term.access(random.y, [o])]),
    ])
    let range = try! Guard.axis("o", size: n)
    // `def e[p: n] = f(x[p])` read at `o`; of shape `n + 1` sometimes, so that its site is not
    // known to lie in its shape and `chain-def` brackets the reads in its copy.
    let shape = random.chance(70) ? n : try! n.plus(.constant(1))
    let e = try! Definition("e", parameters: ["p"], shape: [shape], body: try! f.substituting(["o": try! Affine.index("p")]))
    let read = defined ? try! Term.reference(e, [o]) : f
    let y = seed == nil ? try! Term.sum(["o"], range, read) : read
    guard let derivative = try? Term.derivative(y, x, along: dx) else { return nil }
    let lhs = seed.map { s in try! Term.sum(["o"], range, .mul([try! .access(s, [o]), derivative])) } ?? derivative
    guard let start = attempt(.refl(lhs), &proof),
      let derived = attempt(.rewrite(start, path: seed == nil ? [] : [0, 1], .jvp), &proof) else { return nil }
    // The derivative's factors beside dx[o] (under the sum), times the seed.
    let body = seed == nil ? [0] : [0, 1]
    let d = (try? proof.theorems[derived].rhs.subterm(at: body)) ?? .zero
    var factors = d.node.isMulNode ? d.children : [d]
    let dxo = try! Term.access(dx, [o])
    guard let at = factors.firstIndex(of: dxo) else { return nil }
    factors.remove(at: at)
    if random.chance(10), !factors.isEmpty { factors.removeLast() }  // a wrong adjoint
    let g = Term.mul(factors + (seed.map { [try! Term.access($0, [o])] } ?? []))
    return attempt(.rewrite(derived, path: [0], .ring(.mul([dxo, g]))), &proof)
  }
}
