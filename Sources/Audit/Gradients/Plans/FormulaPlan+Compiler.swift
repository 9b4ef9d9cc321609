import Evaluation
import Exact
import ProofKernel

extension FormulaPlan {
  /// Turns a `Term` into plan nodes: the MPFI back end of the lowered form. `Evaluation`'s
  /// `Lowering` resolves slots, dimensions, loop plans and accesses; this type gives tensors ids and
  /// checks their shapes, turns constants into exact enclosures and functions into MPFI calls, and
  /// refuses what the plan does not evaluate, naming it.
  struct Compiler {
    let rule: String
    let named: [String: Rational]
    let tensorShapes: [String: [Int]]
    /// The front end; references are refused (the audit evaluates layer outputs itself).
    var lowering: Lowering
    /// Constant 0 is slot 0, constant 1 slot 1.
    var constants: [Rational] = [Rational(0), Rational(1)]
    var cacheCount = 0
    /// The slots of the formula's free indices (set before the root is compiled).
    var freeSlots: Set<Int> = []
    /// Per cache entry, the free slots its value depends on (empty for a closed subterm).
    var cacheReads: [[Int]] = []
    /// Sums enclosing the subterm being compiled.
    var loopDepth = 0
    var tensorIDs: [String: Int] = [:]
    var tensorOrder: [String] = []
    var accesses = AccessCode()

    /// Per tensor read in place from a larger one, its strides there (attention's Q, K and V, each
    /// `[T, H, E]` inside the `[T, 3HE]` rows of its input).
    let strides: [String: [Int]]
    /// Constant slots holding π (set by the storage, not from a rational).
    var piSlots: [Int] = []

    init(rule: String, dimensions: [String: Int], named: [String: Rational], tensorShapes: [String: [Int]], strides: [String: [Int]] = [:]) {
      self.rule = rule
      self.named = named
      self.tensorShapes = tensorShapes
      self.strides = strides
      // A reference reads a table the plan fills once per binding (`FormulaPlan.Table`).
      self.lowering = Lowering(dimensions: dimensions, unfoldsReferences: false, tabulatesReferences: true)
    }

    func unsupported(_ reason: String) -> GradientAuditError { .unsupportedFormula(rule: rule, reason: reason) }

    mutating func constant(_ value: Rational) -> Node {
      if value.isZero { return .constant(0) }
      if value == Rational(1) { return .constant(1) }
      constants.append(value)
      return .constant(constants.count - 1)
    }

    /// The plan of `term`, whose free indices are in the slots of `scope`.
    mutating func compile(_ term: Term, _ scope: [String: Int]) throws(GradientAuditError) -> Node {
      let lowered: LoweredTerm
      do { lowered = try lowering.lower(term, scope) } catch { throw unsupported(error.description) }
      return try compile(lowered)
    }

    mutating func compile(_ term: LoweredTerm) throws(GradientAuditError) -> Node {
      let node = try compileNode(term)
      // A closed, non-trivial subterm is the same at every index: computed once per binding.
      switch node {
      case .sum, .add, .mul, .apply, .step:
        if term.reads.isEmpty {
          cacheCount += 1
          cacheReads.append([])
          return .cached(cacheCount - 1, node)
        }
        // A sum that reads only free indices, no enclosing loop's (batch norm's per-channel mean
        // inside every output, or inside the sum of `batchnorm.g`), is the same at every index
        // that agrees on those: computed once per value of them, and kept until they change.
        // The formula itself (no enclosing loop, not all free indices read) gains nothing.
        if case .sum = node, term.reads.allSatisfy(freeSlots.contains), loopDepth > 0 || term.reads.count < freeSlots.count {
          cacheCount += 1
          cacheReads.append(term.reads)
          return .keyed(cacheCount - 1, term.reads, node)
        }
      default: break
      }
      return node
    }

    private mutating func compileNode(_ term: LoweredTerm) throws(GradientAuditError) -> Node {
      switch term.node {
      case .constant(let r):
        return constant(r)
      case .named(let name):
        if let value = named[name] { return constant(value) }
        guard name == "pi" else { throw unsupported("no value for the named constant \(name)") }
        constants.append(Rational(0))  // a placeholder: the storage sets π there
        piSlots.append(constants.count - 1)
        return .constant(constants.count - 1)
      case .access(let access):
        guard let shape = tensorShapes[access.tensor] else { throw unsupported("no values for the tensor \(access.tensor)") }
        guard access.shape == shape else {
          throw GradientAuditError.invalidModel("\(rule): tensor \(access.tensor) has shape \(shape), the rule declares \(access.shape)")
        }
        let id: Int
        if let known = tensorIDs[access.tensor] {
          id = known
        } else {
          id = tensorOrder.count
          tensorIDs[access.tensor] = id
          tensorOrder.append(access.tensor)
        }
        let start = accesses.append(tensor: id, access, strides: strides[access.tensor])
        // A definition's table is read only inside its shape (`Node.table`).
        return access.tensor.hasPrefix("definition ") ? .table(start) : .access(start)
      case .bracket(let constraints):
        return .bracket(constraints)
      case let .sum(loop, body):
        loopDepth += 1
        defer { loopDepth -= 1 }
        return .sum(loop, body: try compile(body))
      case .add(let ts):
        return .add(try ts.map { t throws(GradientAuditError) in try compile(t) })
      case .mul(let ts):
        return .mul(try ts.map { t throws(GradientAuditError) in try compile(t) })
      case let .power(base, q):
        // A half-integer power p/2 is (√x)^p.
        let twice = q * Rational(2)
        if !q.isInteger, twice.isInteger, let p = Int(twice.description), abs(p) <= 64 {
          let root = FormulaPlan.Node.apply(.squareRoot, try compile(base))
          return p == 1 ? root : .apply(.power(p), root)
        }
        guard q.isInteger, let n = Int(q.description), abs(n) <= 64 else {
          throw unsupported("the power \(q) is not a small integer or half-integer")
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
        case .erf: return .apply(.erf, a)
        case .gelu: return .apply(.gelu, a)
        }
      }
    }

    /// Scratch elements a node needs below its own depth.
    func depth(of node: Node) -> Int {
      switch node {
      case .constant, .access, .table, .bracket: return 0
      case .sum(_, let body): return 1 + depth(of: body)
      case .add(let ns): return 1 + (ns.map { depth(of: $0) }.max() ?? 0)
      case .mul(let ns): return ns.enumerated().map { 1 + $0.offset + depth(of: $0.element) }.max() ?? 0
      case .apply(_, let n), .step(let n), .cached(_, let n), .keyed(_, _, let n): return 1 + depth(of: n)
      }
    }
  }
}
