import Exact
import Testing
@testable import ProofKernel

/// The `ring` rule keys a sum by value (`SumKey`), where it printed a text before (Docs/Rules.md,
/// "A note on shortcuts in replay"): two sums must get equal keys exactly when they got equal texts.
@Suite("The ring rule's sum keys")
struct RingSumKeyTests {
  /// The text the rule printed for a sum of one monomial before keys were values.
  static func printed(_ binders: Int, _ g: Guard, bound: [String], atoms: [Int: Int]) -> String {
    var printer = Printer(deBruijn: true, inlineDefinitions: true)
    printer.bound = bound
    return "(S \(binders) \(printer.guardText(g)) \(atoms.keys.sorted().map { "\($0)^\(atoms[$0]!)" }.joined(separator: " ")))"
  }

  @Test func sumKeysAreEqualExactlyWhenThePrintedTextsAre() throws {
    let (p, q, o, j, n) = (i("p"), i("q"), i("o"), i("j"), d("n"))
    let box = try axis("p", n).and(axis("q", n))
    // Sums over [p, q] (and over [q, p]) inside a sum over o, with j free: guards that differ by
    // relation, by sign, by which index is bound, by a dimension, and guards equal up to renaming.
    let guards: [Guard] = [
      box,
      try box.and(Guard(equal: [minus(p, q)])),
      try box.and(Guard(equal: [minus(q, p)])),
      try box.and(Guard(nonNegative: [minus(p, q)])),
      try box.and(Guard(nonNegative: [minus(q, p)])),
      try box.and(Guard(nonNegative: [minus(p, o)])),
      try box.and(Guard(nonNegative: [minus(p, j)])),
      try box.and(Guard(equal: [minus(plus(p, 1), o)])),
      try box.and(Guard(equal: [minus(try p.scaled(by: 2), try q.plus(n))])),
      try box.and(Guard(nonNegative: [minus(try p.scaled(by: 2), try q.plus(n))])),
    ]
    let atomSets: [[Int: Int]] = [[0: 1], [0: 1, 3: 2], [0: 2, 3: 1]]
    var cases: [(binders: [String], g: Guard, atoms: [Int: Int])] = []
    for g in guards {
      for atoms in atomSets {
        cases.append((["p", "q"], g, atoms))
        cases.append((["q", "p"], g, atoms))
      }
    }
    var equalPairs = 0
    for a in cases {
      for b in cases {
        let (boundA, boundB) = (["o"] + a.binders, ["o"] + b.binders)
        let keys = try SumKey(binders: 2, a.g, bound: boundA, atoms: a.atoms) == SumKey(binders: 2, b.g, bound: boundB, atoms: b.atoms)
        let texts = Self.printed(2, a.g, bound: boundA, atoms: a.atoms) == Self.printed(2, b.g, bound: boundB, atoms: b.atoms)
        #expect(keys == texts, "\(a.binders) \(a.g) \(a.atoms) against \(b.binders) \(b.g) \(b.atoms)")
        if texts && a.binders != b.binders { equalPairs += 1 }
      }
    }
    // Renamed pairs that are equal do occur (p - q == 0 bound as [p, q] and as [q, p]).
    #expect(equalPairs > 0)
  }

  /// `sum(p, q)[p - q == 0] x[p] * y[q]` is the same sum with its bound indices renamed the other
  /// way round, where the equality's sign (fixed by its first variable) flips.
  @Test func ringIdentifiesSumsRenamedAcrossAnEqualitysSign() throws {
    let (x, y) = (vector("x"), vector("y"))
    func diagonal(_ first: String, _ second: String) throws -> Term {
      let g = try axis(first, d("n")).and(axis(second, d("n"))).and(Guard(equal: [minus(i(first), i(second))]))
      return try .sum([first, second], g, at(x, i(first)) * at(y, i(second)))
    }
    _ = try Theorem.ring(try diagonal("p", "q"), try diagonal("q", "p"))
    // Below the diagonal is not above it.
    func below(_ first: String, _ second: String) throws -> Term {
      let g = try axis(first, d("n")).and(axis(second, d("n"))).and(Guard(nonNegative: [minus(i(first), i(second))]))
      return try .sum([first, second], g, at(x, i(first)) * at(y, i(second)))
    }
    #expect(throws: KernelError.self) { try Theorem.ring(try below("p", "q"), try .sum(["p", "q"], try axis("p", d("n")).and(axis("q", d("n"))).and(Guard(nonNegative: [minus(i("q"), i("p"))])), at(x, i("p")) * at(y, i("q")))) }
    _ = try Theorem.ring(try below("p", "q"), try below("a", "b"))
  }
}

extension RingSumKeyTests {
  /// A sum key writes an equality by both its signs; a coefficient whose negation does not fit an
  /// `Int` is refused as an overflow (the printed key wrote it as text), never keyed wrongly.
  @Test func aSumKeyThatCannotBeNegatedIsRefused() throws {
    let x = vector("x")
    // In a bracket of the body, so that the sum's guard is a plain range (the equality joins it
    // only in the key).
    let e = try Affine([(.index("p"), 3), (.index("z"), Int.min)])
    let pinned = try Guard(equal: [e])
    #expect(pinned.constraints.contains { $0.relation == .equal && $0.expression.coefficient(of: .index("z")) == Int.min })
    let s = try Term.sum(["p"], axis("p", d("n")), .bracket(pinned) * at(x, i("p")))
    #expect(throws: KernelError.overflow(what: "index arithmetic")) { try Theorem.ring(s, s) }
  }
}
