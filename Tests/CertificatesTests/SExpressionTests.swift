import Certificates
import Exact
import ProofKernel
import Testing

@Suite("S-expression reader")
struct SExpressionTests {
  // MARK: - Round trips

  /// Every generated term reads back equal from both printings (references by name, and inline).
  @Test func termsRoundTrip() throws {
    var gen = TermGenerator(seed: 7)
    var kinds = Set<String>()
    for _ in 0..<3_000 {
      let t = gen.term(depth: 4, scope: ["a", "b'"])
      let byName = t.serialized(inlineDefinitions: false)
      #expect(try SExpression.term(byName, definitions: gen.definitions) == t, "\(byName)")
      let inline = t.serialized()
      #expect(try SExpression.term(inline) == t, "\(inline)")
      collectKinds(t, into: &kinds)
    }
    #expect(kinds == ["constant", "dimension", "named", "access", "bracket", "sum", "add", "mul", "power", "apply", "reference", "derivative", "vjp"])
  }

  @Test func formulasRoundTrip() throws {
    var gen = TermGenerator(seed: 11)
    var quantified = 0
    for _ in 0..<1_500 {
      let f = gen.formula(depth: 3, scope: ["a"])
      if case .forAll = f { quantified += 1 }
      #expect(try SExpression.formula(f.serialized(inlineDefinitions: false), definitions: gen.definitions) == f)
      #expect(try SExpression.formula(f.serialized()) == f)
    }
    #expect(quantified > 100)
    // A quantifier without binders (not built by `quantified`, but printable) keeps its form.
    let bare = Proposition.forAll([], .true, .holds(try Guard.axis("i", size: dm("n"))))
    #expect(try SExpression.formula(bare.serialized()) == bare)
  }

  /// The printing of affine expressions, guards and tensors agrees with the kernel's printing of
  /// them inside terms, and reads back.
  @Test func partsPrintAsTheKernelDoes() throws {
    var gen = TermGenerator(seed: 3)
    let carrier = tensor("t", "n")
    for _ in 0..<1_000 {
      let a = gen.affine(["i", "j"])
      #expect(try Term.access(carrier, [a]).serialized() == "(T \(SExpression.text(of: carrier)) [\(SExpression.text(of: a))])")
      #expect(try SExpression.affine(SExpression.text(of: a)) == a)
      let g = gen.guardOver(["i", "j"])
      #expect(Proposition.holds(g).serialized() == "(H \(SExpression.text(of: g)))")
      #expect(try SExpression.guard(SExpression.text(of: g)) == g)
    }
    for x in [gen.x, gen.A, gen.z, gen.odd] { #expect(try SExpression.tensor(SExpression.text(of: x)) == x) }
    #expect(try SExpression.guard("(G false)") == .false)
    #expect(try SExpression.guard("(G )") == .true)
  }

  @Test func definitionsRoundTrip() throws {
    let gen = TermGenerator(seed: 1)
    var table: [String: Definition] = [:]
    for d in [gen.base, gen.middle, gen.top] {
      let text = SExpression.text(of: d)
      let back = try SExpression.definition(named: d.name, text, definitions: table)
      #expect(back == d)
      table[d.name] = back
    }
    // As the kernel prints it inline (a body without references prints the same both ways).
    let inline = try Term.reference(gen.base, [ix("i")]).serialized()
    #expect(inline == "(R w_base \(SExpression.text(of: gen.base)) [{0 1*i:i}])")
  }

  /// Theorems read back into their parts, definitions listed by name with bodies referring to
  /// definitions listed after them.
  @Test func theoremsRoundTrip() throws {
    var gen = TermGenerator(seed: 5)
    var checked = 0
    for _ in 0..<600 {
      let t = gen.term(depth: 3, scope: ["a"])
      let f = gen.formula(depth: 2, scope: ["a"])
      var theorems = [Theorem.refl(t)]
      if let assumed = try? Theorem.assume(f) { theorems.append(assumed) }
      if case let .forAll(bs, _, _) = f, let instance = try? Theorem.assume(f, instance: bs.map { _ in gen.affine(["a"]) }) {
        theorems.append(instance)
      }
      for th in theorems {
        let parts = try SExpression.theorem(th.serialized())
        #expect(parts.hypotheses == th.hypotheses)
        #expect(parts.lhs == th.lhs)
        #expect(parts.rhs == th.rhs)
        #expect(parts.definitions.map(\.name) == parts.definitions.map(\.name).sorted())
        checked += 1
      }
    }
    #expect(checked > 700)
    let top = try Term.reference(TermGenerator(seed: 0).top, [])
    let parts = try SExpression.theorem(Theorem.refl(top).serialized())
    #expect(parts.definitions.map(\.name) == ["a_top", "b_mid", "w_base"])
    #expect(parts.lhs == top)
  }

  @Test func realTheoremsRoundTrip() throws {
    for certificate in exampleCertificates {
      let parts = try SExpression.theorem(certificate.theorem)
      let replayed = try Replay.replay(certificate)
      #expect(parts.lhs == replayed.theorem.lhs)
      #expect(parts.rhs == replayed.theorem.rhs)
      #expect(parts.hypotheses == replayed.theorem.hypotheses)
    }
  }

  // MARK: - Refusals, with offsets

  /// Each malformed text is refused at the character where it goes wrong, never with a crash.
  @Test(arguments: [
    ("", 0, "expected a term"),
    ("(+ q1 q2", 8, "expected \")\""),
    ("(T x[{0 1*d:n}] [{0 1*i:i}]) q1", 28, "unexpected text"),
    ("(f sinh q1)", 3, "sinh is not a function"),
    ("q2/4", 1, "lowest terms"),
    ("q1/0", 1, "lowest terms"),
    ("q007", 1, "lowest terms"),
    ("(R y [])", 3, "no definition named y"),
    ("(S [i] (G (ge {0 1*i:i})) q1)", 0, "does not bound"),
    ("(T x[{0 1*i:i}] [{0 1*i:i}])", 3, "dimension expressions only"),
    ("(T x[{0 1*d:n}] [])", 0, "0 indices for rank 1"),
    ("(T x[{0 1*d:n}] [{99999999999999999999 }])", 18, "machine range"),
    ("(T x[{0 1*d:n}] [{-9223372036854775808 1*i:i}])", 18, "outside the range"),
    ("(G (ge {0 -9223372036854775808*i:j}))", 10, "outside the range"),
    ("(T x[{0 1*d:n}] [{0 1*x:i}])", 22, "expected \"d:\" or \"i:\""),
    ("(+ q1)", 0, "not the kernel's printing"),
    ("(T x[{0 1*d:n}] [{0 1*i:i 1*i:i}])", 20, "not the kernel's printing"),
    ("(G (ge {0 1*i:i}) (ge {-1 1*d:n -1*i:i}))", 8, "not the kernel's printing"),
    ("(D x[{0 1*d:n}] x[{0 1*d:n}] q1)", 0, "direction"),
    ("(V [o] [] x[{0 1*d:n}] _ q1 [{0 }])", 0, "do not fit"),
    ("(^ 1/2 (f exp q1)", 17, "expected \")\""),
    ("(T 9x[] [])", 3, "not an identifier"),
  ])
  func malformedTermsAreRefused(text: String, offset: Int, reason: String) {
    do {
      let t = try SExpression.term(text, definitions: [:])
      Issue.record("read \(t) from \(text)")
    } catch let CertificateError.expression(_, step, at, why) {
      #expect(step == nil)
      #expect(at == offset, "\(text): \(why)")
      #expect(why.contains(reason), "\(text): \(why)")
    } catch {
      Issue.record("unexpected \(error)")
    }
  }

  @Test func malformedFormulasAndTheoremsAreRefused() {
    #expect(throws: CertificateError.self) { try SExpression.formula("(A [k k] (G (ge {0 1*i:k}) (ge {-1 1*d:n -1*i:k})) (H (G )))") }
    #expect(throws: CertificateError.self) { try SExpression.formula("(~ q1)") }
    #expect(throws: CertificateError.self) { try SExpression.theorem("(theorem (definitions (f (def [] [] (R f [])) )) (hypotheses) (= q1 q1))") }
    #expect(throws: CertificateError.self) { try SExpression.theorem("(theorem (definitions (f (def [] [] q1) ) (f (def [] [] q1) )) (hypotheses) (= q1 q1))") }
    #expect(throws: CertificateError.self) { try SExpression.theorem("(theorem (definitions (f (def [] [] q1) ) (hypotheses) (= q1 q1))") }
    #expect(throws: CertificateError.self) { try SExpression.definition(named: "f", "(def [p p] [{0 1*d:n} {0 1*d:n}] q1)") }
    #expect(throws: CertificateError.self) { try SExpression.definition(named: "f", "(def [] [] (T x[{0 1*d:n}] [{0 1*i:i}]))") }
  }

  /// Nesting deeper than the reader allows is refused, not a stack overflow.
  @Test func deepNestingIsRefused() {
    let depth = 100_000
    let text = String(repeating: "(f exp ", count: depth) + "q1" + String(repeating: ")", count: depth)
    #expect(throws: CertificateError.self) { try SExpression.term(text) }
    let formula = String(repeating: "(A [k] (G (ge {0 1*i:k}) (ge {-1 1*d:n -1*i:k})) ", count: depth) + "(H (G ))" + String(repeating: ")", count: depth)
    #expect(throws: CertificateError.self) { try SExpression.formula(formula) }
  }

  func collectKinds(_ t: Term, into kinds: inout Set<String>) {
    switch t.node {
    case .constant: kinds.insert("constant")
    case .dimension: kinds.insert("dimension")
    case .named: kinds.insert("named")
    case .access: kinds.insert("access")
    case .bracket: kinds.insert("bracket")
    case .sum: kinds.insert("sum")
    case .add: kinds.insert("add")
    case .mul: kinds.insert("mul")
    case .power: kinds.insert("power")
    case .apply: kinds.insert("apply")
    case .reference: kinds.insert("reference")
    case .derivative: kinds.insert("derivative")
    case let .vjp(v): kinds.insert("vjp"); collectKinds(v.output, into: &kinds)
    }
    for child in t.children { collectKinds(child, into: &kinds) }
  }
}
