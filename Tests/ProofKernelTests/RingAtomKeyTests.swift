import Certificates
import Exact
import Foundation
import Testing
@testable import ProofKernel

/// The `ring` rule numbers its atoms by structure (`AtomTable`), where it numbered their printed
/// keys before (Docs/Rules.md, "A note on the `ring` rule's atom keys"): two terms must get equal
/// numbers exactly when `numberedKey` prints them the same.
@Suite("The ring rule's atom keys")
struct RingAtomKeyTests {
  /// Each term with the indices bound around it (innermost last), and each of its subterms with
  /// the indices bound around that, as `Printer` binds them.
  static func subterms(_ t: Term, bound: [String], into out: inout [(Term, [String])]) {
    out.append((t, bound))
    switch t.node {
    case let .sum(bs, _, body): subterms(body, bound: bound + bs, into: &out)
    case let .vjp(v): subterms(v.output, bound: bound + v.binders, into: &out)
    case let .add(ts), let .mul(ts): for s in ts { subterms(s, bound: bound, into: &out) }
    case let .power(s, _), let .apply(_, s), let .derivative(s, _, _): subterms(s, bound: bound, into: &out)
    default: break
    }
  }

  /// Numbers `items` in one table and checks that one number goes with one text and one text with
  /// one number; returns the count of distinct texts.
  static func numbersMatchTexts(_ items: [(Term, [String])], _ label: String) throws -> Int {
    let table = AtomTable()
    var textOf: [Int: String] = [:], numberOf: [String: Int] = [:]
    for (t, bound) in items {
      let (n, text) = (try table.number(of: t, bound: bound), t.numberedKey(bound: bound))
      #expect(textOf[n, default: text] == text, "\(label): number \(n) for \(textOf[n] ?? "") and \(text)")
      #expect(numberOf[text, default: n] == n, "\(label): numbers \(numberOf[text] ?? -1) and \(n) for \(text)")
      (textOf[n], numberOf[text]) = (text, n)
    }
    return numberOf.count
  }

  /// Whether `a` (under `boundA`) and `b` get one number, checked against their texts.
  static func sameNumber(_ a: Term, _ b: Term, under boundA: [String] = [], and boundB: [String]? = nil) throws -> Bool {
    let boundB = boundB ?? boundA
    let table = AtomTable()
    let same = try table.number(of: a, bound: boundA) == table.number(of: b, bound: boundB)
    #expect(same == (a.numberedKey(bound: boundA) == b.numberedKey(bound: boundB)))
    return same
  }

  @Test func renamingCaptureAndPositions() throws {
    let (x, y, n) = (vector("x"), vector("y"), d("n"))
    // Renaming a bound index keeps the number; capturing a free one changes it.
    #expect(try Self.sameNumber(sum("i", n, at(x, i("i")) * at(y, i("j"))), sum("k", n, at(x, i("k")) * at(y, i("j")))))
    #expect(try !Self.sameNumber(sum("i", n, at(x, i("i")) * at(y, i("j"))), sum("j", n, at(x, i("j")) * at(y, i("j")))))
    // Indices bound outside are named by position from the innermost binder, the innermost
    // binding of a repeated name counting.
    #expect(try Self.sameNumber(at(x, i("i")), at(x, i("j")), under: ["i", "j"], and: ["j", "i"]))
    #expect(try !Self.sameNumber(at(x, i("i")), at(x, i("j")), under: ["j", "i"]))
    #expect(try Self.sameNumber(at(x, i("i")), at(x, i("k")), under: ["i", "j", "i"], and: ["i", "k"]))
    #expect(try !Self.sameNumber(at(x, i("i")), at(x, i("i")), under: ["i"], and: []))
    // Sums of sums: the inner guard and body see the outer binder by position.
    let inner = { (o: String, b: String) in sum(o, n, sum(b, n, at(x, plus(i(o), 1)) * at(y, i(b)))) }
    #expect(try Self.sameNumber(.apply(.exp, inner("a", "b")), .apply(.exp, inner("c", "a"))))
    #expect(try !Self.sameNumber(.apply(.exp, inner("a", "b")), .apply(.exp, sum("a", n, sum("b", n, at(x, plus(i("b"), 1)) * at(y, i("b")))))))
    // `+` and `*` keep their operands' order, as printed; an affine's parts do not.
    #expect(try !Self.sameNumber(.apply(.exp, at(x, i("i")) * at(y, i("i"))), .apply(.exp, at(y, i("i")) * at(x, i("i")))))
    let (ij, ji) = (try Affine([(.index("i"), 1), (.index("j"), 2)]), try Affine([(.index("j"), 1), (.index("i"), 2)]))
    #expect(try Self.sameNumber(at(x, ij), at(x, ji), under: ["i", "j"], and: ["j", "i"]))
    #expect(try !Self.sameNumber(at(x, ij), at(x, ji), under: ["i", "j"]))
  }

  /// An equality's canonical sign is fixed by its first variable, which renaming may change: the
  /// texts write it by the lesser sign, the keys by both.
  @Test func theSignOfAnEquality() throws {
    let (x, y, n) = (vector("x"), vector("y"), d("n"))
    func diagonal(_ first: String, _ second: String, _ c: Int) throws -> Term {
      let g = try axis(first, n).and(axis(second, n)).and(Guard(equal: [minus(plus(i(first), c), i(second))]))
      return .apply(.exp, try .sum([first, second], g, at(x, i(first)) * at(y, i(second))))
    }
    #expect(try Self.sameNumber(diagonal("p", "q", 0), diagonal("q", "p", 0)))
    #expect(try !Self.sameNumber(diagonal("p", "q", 1), diagonal("p", "q", -1)))
    let delta = { (a: String, b: String) in Term.bracket(try! Guard(equal: [minus(i(a), i(b))])) }
    #expect(try Self.sameNumber(.apply(.exp, delta("a", "b")), .apply(.exp, delta("b", "a")), under: ["a", "b"], and: ["b", "a"]))
    #expect(try Self.sameNumber(.apply(.exp, delta("a", "b")), .apply(.exp, delta("a", "b")), under: ["a", "b"], and: ["b", "a"]))
    #expect(try !Self.sameNumber(.apply(.exp, delta("a", "b")), .apply(.exp, delta("a", "b")), under: ["a"], and: ["b"]))
  }

  /// A definition is keyed by its number, which only equal definitions share.
  @Test func definitionsByNumber() throws {
    let body = Term.apply(.tanh, at(vector("x"), i("p")))
    let f = try Definition("f", parameters: ["p"], shape: [d("n")], body: body)
    let copy = try Definition("f", parameters: ["p"], shape: [d("n")], body: body)
    let renamed = try Definition("g", parameters: ["p"], shape: [d("n")], body: body)
    let other = try Definition("f", parameters: ["p"], shape: [d("n")], body: .apply(.exp, at(vector("x"), i("p"))))
    let ref = { (d: Definition, a: String) in try! Term.reference(d, [i(a)]) }
    #expect(try Self.sameNumber(ref(f, "i"), ref(copy, "i")))
    #expect(try Self.sameNumber(ref(f, "i"), ref(copy, "k"), under: ["i"], and: ["k"]))
    #expect(try !Self.sameNumber(ref(f, "i"), ref(renamed, "i")))
    #expect(try !Self.sameNumber(ref(f, "i"), ref(other, "i")))
    #expect(try !Self.sameNumber(ref(f, "i"), ref(f, "j")))
  }

  /// Generated terms (bound names reused, so inner sums capture) and all their subterms, under
  /// several outer bindings of their free indices, in one table.
  @Test func generatedTermsNumberAsTheyPrint() throws {
    var gen = TermGenerator(state: 2110)
    var items: [(Term, [String])] = []
    for k in 0..<4_000 {
      let t = gen.term(depth: 3, scope: ["i", "a"])
      Self.subterms(t, bound: [[], ["i"], ["a", "i"], ["i", "a"], ["i", "a", "i"]][k % 5], into: &items)
    }
    let distinct = try Self.numbersMatchTexts(items, "generated")
    #expect(distinct > 5_000 && distinct < items.count, "\(distinct) texts of \(items.count) terms")
  }

  /// Every term the certificates under Certificates/ state (`refl`, `alpha`, `ring`'s targets, the
  /// definitions' bodies) and its subterms, one table per certificate.
  @Test func certificateTermsNumberAsTheyPrint() throws {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Certificates")
    let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?
      .compactMap { $0 as? URL }.filter { $0.pathExtension == "json" } ?? []
    var (read, terms) = (0, 0)
    for file in files {
      let text = try String(contentsOf: file, encoding: .utf8)
      guard text.utf8.count < 128 * 1024 else { continue }
      let certificate = try Certificate(decoding: text)
      var items: [(Term, [String])] = []
      for d in certificate.definitions { Self.subterms(d.body, bound: d.parameters, into: &items) }
      for step in certificate.steps {
        switch step {
        case let .refl(t), let .rewrite(_, _, .ring(t)): Self.subterms(t, bound: [], into: &items)
        case let .alpha(_, lhs, rhs): Self.subterms(lhs, bound: [], into: &items); Self.subterms(rhs, bound: [], into: &items)
        default: break
        }
      }
      _ = try Self.numbersMatchTexts(items, file.lastPathComponent)
      (read, terms) = (read + 1, terms + items.count)
    }
    #expect(read > 100 && terms > 40_000, "\(read) certificates, \(terms) terms")
  }

  /// An equality in an atom is keyed by both its signs; a coefficient whose negation does not fit
  /// an `Int` is refused as an overflow (the printed key wrote it as text), never keyed wrongly.
  @Test func anAtomKeyThatCannotBeNegatedIsRefused() throws {
    let e = try Affine([(.index("p"), 3), (.index("z"), Int.min)])
    let pinned = try Guard(equal: [e])
    #expect(pinned.constraints.contains { $0.relation == .equal && $0.expression.coefficient(of: .index("z")) == Int.min })
    let atom = Term.apply(.exp, .bracket(pinned) * at(vector("x"), i("p")))
    #expect(throws: KernelError.overflow(what: "index arithmetic")) { try Theorem.ring(atom, atom) }
    // The same atom with a coefficient that can be negated is keyed.
    let fine = Term.apply(.exp, .bracket(try Guard(equal: [try Affine([(.index("p"), 3), (.index("z"), Int.min + 1)])])) * at(vector("x"), i("p")))
    _ = try Theorem.ring(fine, fine)
  }
}
