import ProofKernel

extension MathWriter {
  /// A writer for `terms` (and what they refer to): tensor names that two tensors of different
  /// shapes share are written with their shapes, as the kernel's text form does.
  static func shaping(_ terms: [Term]) -> MathWriter {
    var shapes: [String: Set<[Affine]>] = [:]
    var seen = Set<String>()  // definitions visited
    func note(_ x: TensorSymbol) { shapes[x.name, default: []].insert(x.shape) }
    func visit(_ t: Term) {
      switch t.node {
      case let .access(x, _): note(x)
      case let .reference(d, _): if seen.insert(d.name).inserted { visit(d.body) }
      case let .derivative(_, x, dx): note(x); note(dx)
      case let .vjp(v): note(v.wrt); v.seed.map(note); visit(v.output)
      default: break
      }
      t.children.forEach(visit)
    }
    terms.forEach(visit)
    return MathWriter(shaped: Set(shapes.filter { $0.value.count > 1 }.keys))
  }
}

extension Proposition {
  /// The terms the formula mentions.
  var mentionedTerms: [Term] {
    switch self {
    case let .equal(a, b): return [a, b]
    case let .nonZero(t), let .positive(t): return [t]
    case .holds: return []
    case let .forAll(_, _, f): return f.mentionedTerms
    }
  }
}
