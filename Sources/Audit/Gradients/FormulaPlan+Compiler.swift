import Exact
import ProofKernel

extension FormulaPlan {
  /// Turns a `Term` into plan nodes: names to slots and tensor ids, dimensions to sizes, constants
  /// to exact enclosures. Refuses what it does not evaluate, naming it.
  struct Compiler {
    let rule: String
    let dimensions: [String: Int]
    let named: [String: Rational]
    let tensorShapes: [String: [Int]]
    /// Index name → slot, for the indices in scope.
    var slots: [String: Int] = [:]
    var slotCount = 0
    /// Constant 0 is slot 0, constant 1 slot 1.
    var constants: [Rational] = [Rational(0), Rational(1)]
    var cacheCount = 0
    var tensorIDs: [String: Int] = [:]
    var tensorOrder: [String] = []

    init(rule: String, dimensions: [String: Int], named: [String: Rational], tensorShapes: [String: [Int]]) {
      self.rule = rule
      self.dimensions = dimensions
      self.named = named
      self.tensorShapes = tensorShapes
    }

    func unsupported(_ reason: String) -> GradientAuditError { .unsupportedFormula(rule: rule, reason: reason) }

    /// A fresh slot for `name`, which now means it.
    mutating func slot(for name: String) -> Int {
      slots[name] = slotCount
      slotCount += 1
      return slotCount - 1
    }

    mutating func constant(_ value: Rational) -> Node {
      if value.isZero { return .constant(0) }
      if value == Rational(1) { return .constant(1) }
      constants.append(value)
      return .constant(constants.count - 1)
    }

    func size(_ a: Affine) throws(GradientAuditError) -> Int {
      var v = a.constant
      for t in a.terms {
        guard case .dimension(let d) = t.variable, let n = dimensions[d] else {
          throw unsupported("the size \(a) names an unknown dimension")
        }
        v += t.coefficient * n
      }
      return v
    }

    func index(_ a: Affine) throws(GradientAuditError) -> IndexExpression {
      var e = IndexExpression(constant: a.constant, terms: [])
      for t in a.terms {
        switch t.variable {
        case .dimension(let d):
          guard let n = dimensions[d] else { throw unsupported("unknown dimension \(d)") }
          e.constant += t.coefficient * n
        case .index(let i):
          guard let s = slots[i] else { throw unsupported("index \(i) is not bound") }
          e.terms.append((s, t.coefficient))
        }
      }
      return e
    }

    mutating func compile(_ term: Term) throws(GradientAuditError) -> Node {
      let node = try compileNode(term)
      // A closed, non-trivial subterm is the same at every index: computed once per binding.
      switch node {
      case .sum, .add, .mul, .apply, .step:
        if term.freeIndices.isEmpty {
          cacheCount += 1
          return .cached(cacheCount - 1, node)
        }
      default: break
      }
      return node
    }

    private mutating func compileNode(_ term: Term) throws(GradientAuditError) -> Node {
      switch term.node {
      case .constant(let r):
        return constant(r)
      case .dimension(let d):
        guard let n = dimensions[d] else { throw unsupported("unknown dimension \(d)") }
        return constant(Rational(n))
      case .named(let name):
        guard let value = named[name] else { throw unsupported("no value for the named constant \(name)") }
        return constant(value)
      case let .access(tensor, indices):
        guard let shape = tensorShapes[tensor.name] else { throw unsupported("no values for the tensor \(tensor.name)") }
        let declared = try tensor.shape.map { a throws(GradientAuditError) in try size(a) }
        guard declared == shape else {
          throw GradientAuditError.invalidModel("\(rule): tensor \(tensor.name) has shape \(shape), the rule declares \(declared)")
        }
        let id: Int
        if let known = tensorIDs[tensor.name] {
          id = known
        } else {
          id = tensorOrder.count
          tensorIDs[tensor.name] = id
          tensorOrder.append(tensor.name)
        }
        return .access(tensor: id, indices: try indices.map { a throws(GradientAuditError) in try index(a) })
      case .bracket(let g):
        return .bracket(try checks(g))
      case let .sum(names, g, body):
        return try compileSum(names, g, body)
      case .add(let ts):
        return .add(try ts.map { t throws(GradientAuditError) in try compile(t) })
      case .mul(let ts):
        return .mul(try ts.map { t throws(GradientAuditError) in try compile(t) })
      case let .power(base, q):
        guard q.isInteger, let n = Int(q.description), abs(n) <= 64 else {
          throw unsupported("the power \(q) is not a small integer")
        }
        return n == 1 ? try compile(base) : .apply(.power(n), try compile(base))
      case let .apply(f, argument):
        let a = try compile(argument)
        switch f {
        case .relu: return .apply(.relu, a)
        case .exp: return .apply(.exp, a)
        case .log: return .apply(.log, a)
        case .tanh: return .apply(.tanh, a)
        case .sigmoid: return .apply(.sigmoid, a)
        case .step: return .step(a)
        case .erf, .gelu: throw unsupported("no enclosure of \(f.rawValue) in the plan")
        }
      case .reference(let d, _):
        throw unsupported("the definition \(d.name) is referenced inside the formula (the audit memoizes layer outputs itself)")
      case .derivative, .vjp:
        throw unsupported("a derivative inside the formula")
      }
    }

    func checks(_ g: Guard) throws(GradientAuditError) -> [Check] {
      if g.isFalse { return [Check(expression: IndexExpression(constant: -1, terms: []), isEquality: false)] }
      return try g.constraints.map { c throws(GradientAuditError) in
        Check(expression: try index(c.expression), isEquality: c.relation == .equal)
      }
    }

    /// A sum's loops: each bound index takes its bounds from the constraints that have it with
    /// coefficient ±1 and otherwise only outer indices; every other constraint is checked at each
    /// point (constraints used as bounds hold there by construction).
    private mutating func compileSum(_ names: [String], _ g: Guard, _ body: Term) throws(GradientAuditError) -> Node {
      let saved = slots
      defer { slots = saved }
      var binders: [Binder] = []
      var used = Set<Int>()
      var known = Set(slots.keys).subtracting(names)
      for name in names {
        let slot = slot(for: name)
        var binder = Binder(slot: slot, lower: [], upper: [])
        for (k, c) in g.constraints.enumerated() where !used.contains(k) {
          let a = c.expression.coefficient(of: .index(name))
          guard a == 1 || a == -1, c.expression.indices.subtracting([name]).isSubset(of: known) else { continue }
          // c + a·b + rest ≥ 0: b ≥ -(c + rest) when a = 1, b ≤ c + rest when a = -1.
          guard let withoutName = try? c.expression.substituting([name: .constant(0)]) else { continue }
          let rest = try index(withoutName)
          let negated = IndexExpression(constant: -rest.constant, terms: rest.terms.map { ($0.slot, -$0.coefficient) })
          if a == 1 {
            binder.lower.append(negated)
            if c.relation == .equal { binder.upper.append(negated) }
          } else {
            binder.upper.append(rest)
            if c.relation == .equal { binder.lower.append(rest) }
          }
          used.insert(k)
        }
        guard !binder.lower.isEmpty, !binder.upper.isEmpty else {
          throw unsupported("the sum over \(name) has no bounds of the form ±\(name) + (outer indices) ≥ 0")
        }
        binders.append(binder)
        known.insert(name)
      }
      let rest = g.constraints.enumerated().filter { !used.contains($0.offset) }.map(\.element)
      let checks = try rest.map { c throws(GradientAuditError) in
        Check(expression: try index(c.expression), isEquality: c.relation == .equal)
      }
      return .sum(binders: binders, checks: checks, body: try compile(body))
    }

    /// Scratch elements a node needs below its own depth.
    func depth(of node: Node) -> Int {
      switch node {
      case .constant, .access, .bracket: return 0
      case .sum(_, _, let body): return 1 + depth(of: body)
      case .add(let ns): return 1 + (ns.map { depth(of: $0) }.max() ?? 0)
      case .mul(let ns): return ns.enumerated().map { 1 + $0.offset + depth(of: $0.element) }.max() ?? 0
      case .apply(_, let n), .step(let n), .cached(_, let n): return 1 + depth(of: n)
      }
    }
  }
}
