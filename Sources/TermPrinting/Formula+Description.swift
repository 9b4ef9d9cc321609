// The readable printing of formulas and theorems, as `Term+Description.swift` prints terms.

import ProofKernel

extension Proposition: CustomStringConvertible {
  public var description: String { text(shaped: Term.sharedNames(in: terms)) }

  /// The readable form; tensors named in `shaped` print with their shapes (`Term.text`).
  func text(shaped: Set<String>) -> String {
    func show(_ t: Term) -> String { t.text(precedence: 0, shaped: shaped) }
    switch self {
    case let .equal(a, b): return "\(show(a)) = \(show(b))"
    case let .nonZero(t): return "\(show(t)) != 0"
    case let .positive(t): return "\(show(t)) > 0"
    case let .holds(g): return g.description
    case let .forAll(bs, g, body): return "forall \(Term.binderText(bs, g)). \(body.text(shaped: shaped))"
    }
  }
}

extension Theorem: CustomStringConvertible {
  /// The readable form. Where two tensors of the theorem share a name, both print with their
  /// shapes, so that the text cannot read as a different (false) statement.
  public var description: String {
    let shaped = Term.sharedNames(in: hypotheses.flatMap(\.terms) + [lhs, rhs])
    let h = hypotheses.map { $0.text(shaped: shaped) }.joined(separator: ", ")
    return (h.isEmpty ? "" : h + " ") + "⊢ \(lhs.text(precedence: 0, shaped: shaped)) = \(rhs.text(precedence: 0, shaped: shaped))"
  }
}
