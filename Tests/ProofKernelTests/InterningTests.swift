import Testing
@testable import ProofKernel

/// Interned definitions (Docs/Rules.md, "A note on interning"): a definition takes the number of
/// the live one registered under its digest only when it is equal to it, and `==` answers as a
/// structural comparison would, by number when it can.
@Suite struct InterningTests {
  let x = vector("x")

  func layer(_ name: String, _ body: Term, parameter: String = "p") throws -> Definition {
    try Definition(name, parameters: [parameter], shape: [d("n")], body: body)
  }

  /// `n` layers of `tanh` over `x`, rebuilt from scratch: equal objects, not the same ones.
  func network(_ n: Int, top: ScalarFunction = .tanh) throws -> Definition {
    var h = try layer("h0", at(x, i("p")))
    for k in 1...n { h = try layer("h\(k)", .apply(k == n ? top : .tanh, try .reference(h, [i("p")]))) }
    return h
  }

  @Test func equalCopiesShareANumber() throws {
    let a = try network(12), b = try network(12)
    #expect(a !== b)
    #expect(a.number == b.number)
    #expect(a == b)
  }

  /// Same name, parameters and shape, another body: another number, and not equal.
  @Test func aDefinitionWithAnotherBodyTakesAnotherNumber() throws {
    let a = try network(12), b = try network(12, top: .relu)
    #expect(a.number != b.number)
    #expect(a != b)
    let f = try layer("f", .apply(.tanh, at(x, i("p")))), g = try layer("f", .apply(.relu, at(x, i("p"))))
    #expect(f.number != g.number)
    #expect(f != g)
  }

  /// Renamed parameters digest alike (the digest is alpha-normalised) but are not equal: the
  /// registered definition is compared, not trusted by its digest.
  @Test func aDigestAloneGivesNoNumber() throws {
    let f = try layer("f", .apply(.tanh, at(x, i("p")))), renamed = try layer("f", .apply(.tanh, at(x, i("r"))), parameter: "r")
    #expect(f.digest == renamed.digest)
    #expect(f.number != renamed.number)
    #expect(f != renamed)
  }

  /// Equal definitions whose numbers differ (the registered one was freed before the second was
  /// made) are still equal, compared structurally.
  @Test func equalDefinitionsWithOtherNumbersAreStillEqual() throws {
    func survivor() throws -> Definition {
      let first = try network(5), copy = try network(5)
      #expect(first.number == copy.number)
      return copy  // `first`, the registered one, is freed here
    }
    let copy = try survivor(), later = try network(5)
    #expect(later == copy)
    #expect(Set([later, copy]).count == 1)
  }

  /// Alpha-equivalence reads definitions by number first, which only ever answers yes, then by
  /// their bodies: equal definitions with two numbers still match, different ones never do.
  @Test func alphaEquivalenceTriesNumbersFirstAndDecidesByContent() throws {
    func survivor() throws -> Definition {
      let first = try network(5), copy = try network(5)
      #expect(first.number == copy.number)
      return copy
    }
    let copy = try survivor(), later = try network(5)
    #expect(copy.number != later.number)
    func summed(_ h: Definition, _ k: String) throws -> Term { try .sum([k], axis(k, d("n")), .reference(h, [i(k)])) }
    let a = try summed(copy, "k")
    // Other bound names: not `==`, and the numbered keys decide at once.
    #expect(a != (try summed(copy, "j")))
    #expect(a.numberedKey() == (try summed(copy, "j")).numberedKey())
    #expect(a.isAlphaEquivalent(to: try summed(copy, "j")))
    // An equal definition under another number: the numbered keys differ, the full ones agree.
    #expect(a.numberedKey() != (try summed(later, "j")).numberedKey())
    #expect(a.isAlphaEquivalent(to: try summed(later, "j")))
    // Another body: neither key agrees.
    #expect(!a.isAlphaEquivalent(to: try summed(try network(5, top: .relu), "j")))
  }

  /// `ring` reads a definition by its number, so equal copies are one atom, and different
  /// bodies under one name are two.
  @Test func ringIdentifiesEqualCopiesOnly() throws {
    let a = try Term.reference(try network(6), [i("k")]), b = try Term.reference(try network(6), [i("k")])
    #expect(try Theorem.ring(a + a, q(2) * b).hypotheses.isEmpty)
    let c = try Term.reference(try network(6, top: .relu), [i("k")])
    #expect(throws: KernelError.self) { try Theorem.ring(a, c) }
  }
}
