import Exact
@testable import ProofKernel
import Testing

/// `chain-def` (Rules+Composition.swift): `chain` whose conclusion keeps the inner function and the
/// outer gradient as definitions, rebuilding the definitions that mention the outer variable; then
/// one refusal per side condition it adds to `chain`'s, and a relu chain composed top-down.
@Suite("Composition through definitions")
struct ChainDefTests {
  let x = vector("x"), dx = vector("dx"), u = vector("u"), du = vector("du"), dy = vector("dy")
  let o = i("o"), p = i("p")

  /// `Γ ⊢ SD(y, seed; x := dx) = sum(o)[shape x] dx[o] * g`, stated without proof.
  func identity(_ y: Term, seed: TensorSymbol?, _ x: TensorSymbol, _ dx: TensorSymbol, _ g: Term) throws -> Theorem {
    let derivative = try Term.derivative(y, x, along: dx)
    let lhs = try seed.map { s in try Term.sum(["o"], axis("o", d("n")), at(s, o) * derivative) } ?? derivative
    return Theorem([], lhs, try Term.sum(["o"], x.shapeGuard([o]), at(dx, o) * g))
  }

  /// `⊢ D (sum(o: n) u[o]^2) [u := du] = sum(o: n) du[o] * (2 * u[o])`, proved.
  func squareGradient(_ u: TensorSymbol, _ du: TensorSymbol) throws -> Theorem {
    var proof = Derivation()
    let start = try proof.apply(.refl(try .derivative(sum("o", d("n"), pow(at(u, o), 2)), u, along: du)))
    let derived = try proof.apply(.rewrite(start, path: [], .jvp))
    let paired = try proof.apply(.rewrite(derived, path: [0], .ring(at(du, o) * (q(2) * at(u, o)))))
    return proof.theorems[paired]
  }

  /// `Γ ⊢ sum(o: n) dy[o] * D relu(x[o]) [x := dx] = sum(o: n) dx[o] * (step(x[o]) * dy[o])`, proved.
  func reluIdentity(_ x: TensorSymbol, _ dx: TensorSymbol, _ dy: TensorSymbol) throws -> Theorem {
    let proof = try reluVJPDerivation(x: x, dx: dx, dy: dy)
    return proof.theorems[proof.steps.count - 2]
  }

  func definition(_ name: String, _ parameter: String, _ size: Affine, _ body: Term) -> Definition {
    try! Definition(name, parameters: [parameter], shape: [size], body: body)
  }

  func ref(_ d: Definition, _ a: Affine) -> Term { try! .reference(d, [a]) }

  @Test func chainDefKeepsTheInnerFunctionAndTheOuterGradientAsDefinitions() throws {
    let th = try Theorem.chainDef(try squareGradient(u, du), try reluIdentity(x, dx, dy))
    // `def u[o] = relu(x[o])` and `def dy[o] = 2 * u[o]`, named after the tensors they replace.
    let uDef = definition("u", "o", d("n"), relu(at(x, o)))
    let dyDef = definition("dy", "o", d("n"), q(2) * ref(uDef, o))
    #expect(th.lhs == (try .derivative(sum("o", d("n"), pow(ref(uDef, o), 2)), x, along: dx)))
    #expect(th.rhs == sum("o", d("n"), at(dx, o) * (step(at(x, o)) * ref(dyDef, o))))
    #expect(th.hypotheses.count == 1)  // relu's condition
    // `chain` writes the same values inline.
    let inline = try Theorem.chain(try squareGradient(u, du), try reluIdentity(x, dx, dy))
    #expect(inline.lhs == (try .derivative(sum("o", d("n"), pow(relu(at(x, o)), 2)), x, along: dx)))
  }

  @Test func chainDefRebuildsTheDefinitionsThatMentionTheOuterVariable() throws {
    let uDef = definition("u", "o", d("n"), relu(at(x, o)))
    // Read inside its shape: the copy knows its parameter is in range, so `u[p]` needs no bracket.
    let e = definition("e", "p", d("n"), pow(at(u, p), 2))
    let outer = try identity(sum("o", d("n"), ref(e, o)), seed: nil, u, du, q(2) * at(u, o))
    let th = try Theorem.chainDef(outer, try reluIdentity(x, dx, dy))
    let copy = definition("e", "p", d("n"), pow(ref(uDef, p), 2))
    #expect(th.lhs == (try .derivative(sum("o", d("n"), ref(copy, o)), x, along: dx)))
    // `e` of shape `n + 1` read at `o < n`: its site is not known to lie in its shape, so its copy
    // knows nothing of `p` and reads `u` with the bracket (a definition is not 0 outside its shape).
    let wide = definition("e", "p", plus(d("n"), 1), pow(at(u, p), 2))
    let widened = try identity(sum("o", d("n"), ref(wide, o)), seed: nil, u, du, q(2) * at(u, o))
    let bracketed = try Theorem.chainDef(widened, try reluIdentity(x, dx, dy))
    let wideCopy = definition("e", "p", plus(d("n"), 1), pow(.bracket(try u.shapeGuard([p])) * ref(uDef, p), 2))
    #expect(bracketed.lhs == (try .derivative(sum("o", d("n"), ref(wideCopy, o)), x, along: dx)))
    // `chain` itself still refuses a variable inside a definition: no plain substitution reaches it.
    #expect(throws: KernelError.self) { try Theorem.chain(outer, try reluIdentity(x, dx, dy)) }
  }

  /// The definition the left side's sum reads: `D(sum(o) d[o])[x := dx]`.
  func summed(_ th: Theorem) -> Definition? {
    guard case let .derivative(t, _, _) = th.lhs.node, case let .sum(_, _, body) = t.node, case let .reference(d, _) = body.node else { return nil }
    return d
  }

  @Test func chainDefSharesACopyAcrossCallsOnlyForEqualInstances() throws {
    // A level and its layer's parameters are composed with one outer premise and equal definitions
    // of `u`: the second call finds the copies the first made (the same object) instead of
    // rebuilding the network above.
    let e = definition("e", "p", d("n"), pow(at(u, p), 2))
    let outer = try identity(sum("o", d("n"), ref(e, o)), seed: nil, u, du, q(2) * at(u, o))
    let first = try Theorem.chainDef(outer, try reluIdentity(x, dx, dy))
    let second = try Theorem.chainDef(outer, try reluIdentity(x, dx, dy))
    let copy = try #require(summed(first))
    #expect(copy.body == pow(ref(definition("u", "o", d("n"), relu(at(x, o))), p), 2))
    #expect(summed(second) === copy)
    // `u` defined otherwise (relu of another tensor): another copy, reading that definition.
    let x2 = vector("x2"), dx2 = vector("dx2")
    let other = try #require(summed(try Theorem.chainDef(outer, try reluIdentity(x2, dx2, dy))))
    #expect(other !== copy)
    #expect(other.body == pow(ref(definition("u", "o", d("n"), relu(at(x2, o))), p), 2))
  }

  @Test func chainDefDecidesEachSiteByItsOwnShapeWithinOneCall() throws {
    // Two definitions read at the same indices in one rule call, one of shape `n` (the site is in
    // it) and one of shape `n + 1` (it is not known to be): each site is decided by its own
    // definition's shape, so each copy is built as when it is composed alone.
    let uDef = definition("u", "o", d("n"), relu(at(x, o)))
    let e = definition("e", "p", d("n"), pow(at(u, p), 2))
    let w = definition("w", "p", plus(d("n"), 1), pow(at(u, p), 2))
    let outer = try identity(sum("o", d("n"), ref(e, o) + ref(w, o)), seed: nil, u, du, q(2) * at(u, o))
    let th = try Theorem.chainDef(outer, try reluIdentity(x, dx, dy))
    let eCopy = definition("e", "p", d("n"), pow(ref(uDef, p), 2))
    let wCopy = definition("w", "p", plus(d("n"), 1), pow(.bracket(try u.shapeGuard([p])) * ref(uDef, p), 2))
    #expect(th.lhs == (try .derivative(sum("o", d("n"), ref(eCopy, o) + ref(wCopy, o)), x, along: dx)))
  }

  @Test func chainDefRefusesAnInnerFunctionThatIsNotADefinitionBody() throws {
    // The inner output holds a `D`: `chain` could substitute it, a definition may not hold it.
    let dx2 = vector("dx2")
    let nested = try Term.derivative(relu(at(x, o)), x, along: dx2)
    let inner = try identity(nested, seed: dy, x, dx, step(at(x, o)) * at(dy, o))
    do {
      let th = try Theorem.chainDef(try squareGradient(u, du), inner)
      Issue.record("chain-def accepted \(th)")
    } catch let error as KernelError {
      #expect(error.description.contains("may not contain D"), "\(error)")
    }
  }

  @Test func chainDefRefusesWhatChainRefuses() throws {
    func refused(_ reason: String, _ outer: Theorem, _ inner: Theorem, sourceLocation: SourceLocation = #_sourceLocation) {
      do {
        let th = try Theorem.chainDef(outer, inner)
        Issue.record("chain-def accepted \(th)", sourceLocation: sourceLocation)
      } catch let error as KernelError {
        #expect(error.description.hasPrefix("chain-def:") && error.description.contains(reason), "\(error)", sourceLocation: sourceLocation)
      } catch { Issue.record("unexpected \(error)", sourceLocation: sourceLocation) }
    }
    let outer = try squareGradient(u, du)
    refused("no seed", outer, try identity(sum("o", d("n"), relu(at(x, o))), seed: nil, x, dx, step(at(x, o))))
    refused("depends on x", try identity(sum("o", d("n"), pow(at(u, o), 2) * at(x, o)), seed: nil, u, du, q(2) * at(u, o)),
            try reluIdentity(x, dx, dy))
    refused("not distinct", outer, try reluIdentity(x, dx, du))
    refused("must occur in neither the inner", outer, try identity(relu(at(x, o)) * at(dy, o), seed: dy, x, dx, step(at(x, o))))
  }

  /// `loss = sum(o) a1[o]^2`, `a_k = relu(a_{k+1})`, `a_depth = relu(x)`, composed from the top:
  /// the identity of `a_k` (a tensor) chained with layer k's, down to `x`, which puts the
  /// statement's own definitions back. Each level's gradient is one layer's terms and a reference to
  /// the cotangent above.
  @Test func aReluChainComposedTopDownRestoresTheStatementsDefinitions() throws {
    let depth = 6
    let a = (0...depth).map { vector("a\($0)") }, da = (0...depth).map { vector("da\($0)") }, g = (0...depth).map { vector("g\($0)") }
    var composed = try squareGradient(a[1], da[1])
    for k in 1..<depth {
      composed = try Theorem.chainDef(composed, try reluIdentity(a[k + 1], da[k + 1], g[k]))
      guard case let .sum(_, _, body) = composed.rhs.node, case let .mul(fs) = body.node, fs.count == 2,
            case let .mul(gradient) = fs[1].node, case let .reference(cotangent, _) = gradient[1].node else {
        Issue.record("level \(k): \(composed.rhs)"); return
      }
      #expect(gradient[0] == step(at(a[k + 1], o)) && cotangent.name == "g\(k)")  // one layer, constant size
    }
    let final = try Theorem.chainDef(composed, try reluIdentity(x, dx, g[depth]))
    // The statement, written directly.
    var below = definition("a\(depth)", "o", d("n"), relu(at(x, o)))
    for k in stride(from: depth - 1, through: 1, by: -1) { below = definition("a\(k)", "o", d("n"), relu(ref(below, o))) }
    #expect(final.lhs == (try .derivative(sum("o", d("n"), pow(ref(below, o), 2)), x, along: dx)))
    #expect(final.hypotheses.count == depth)  // each relu's condition, on the statement's values
    #expect(!final.hypotheses.contains { h in a.contains { h.mentions($0.name) } })
  }
}
