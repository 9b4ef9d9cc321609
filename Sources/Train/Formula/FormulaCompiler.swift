import Evaluation
import Exact
import Intervals
import ProofKernel

/// A compiled term: a value that does not depend on the example (constants, dimensions, brackets
/// of index constraints), or a column of one value per example of the batch, where `nil` is an
/// exact zero (an access outside the tensor's shape, a false bracket in a product).
enum FormulaCode<S: FormulaScalar> {
  case scalar(() -> S)
  case vector(() -> UnsafeMutablePointer<S>?)
}

/// Compiles kernel terms into closures over a `FormulaMachine`, once, at load: the Float back end of
/// the lowered form. `Evaluation`'s `Lowering` resolves the term at the layer's sizes (index slots,
/// loop plans, accesses, references unfolded); this type only turns each lowered node into a
/// closure over columns.
///
/// Each subterm becomes one closure; its column goes into a register of its own, so a column
/// returned by one subterm stays valid while its siblings are evaluated. Identical subterms over
/// the same index slots are compiled once and their column reused while the indices they read keep
/// their values (checked by the slots' versions): `sigmoid(x[i])`, which a derived rule for swish
/// names three times, is computed once per `i`.
///
/// The meaning is the kernel's, as `ExactEvaluator` implements it exactly: zero extension of
/// accesses; Iverson brackets; sums over the integer points of their guard; products that are 0 as
/// soon as one factor is (a false bracket skips the other factors, so `[i >= 1] * x[i - 1] ^ -1`
/// is 0 at `i = 0`, not NaN); a reference is its definition's body with the parameters bound to
/// the arguments (the `unfold` rule: no zero extension). In floating point: constants are rounded
/// to nearest, `pi` is `S(Double.pi)`, and functions and powers are as `FormulaKernels` computes.
///
/// Per-example tensors are rank 1 (`x[n]`, `dy[m]`), stored transposed: the column of entry `c` is
/// `stride` values from the next, so an access is a pointer, not a copy.
struct FormulaCompiler<S: FormulaScalar> {
  let machine: FormulaMachine<S>
  /// The front end: slots, loops and accesses at the layer's sizes.
  var lowering: Lowering
  /// The per-example operands by tensor name: operand slot and number of entries.
  let operands: [String: (slot: Int, width: Int)]
  /// Compiled lowered terms, by `LoweredTerm.id`.
  private var memo: [Int: FormulaCode<S>] = [:]

  init(machine: FormulaMachine<S>, dimensions: [String: Int], operands: [String: (slot: Int, width: Int)]) {
    self.machine = machine
    self.lowering = Lowering(dimensions: dimensions)
    self.operands = operands
  }

  /// The code of `t`, whose free indices are bound to the slots of `env`.
  /// - Throws: `FormulaRefusal` naming what the evaluator does not run.
  mutating func compile(_ t: Term, _ env: [String: Int]) throws -> FormulaCode<S> {
    let lowered: LoweredTerm
    do { lowered = try lowering.lower(t, env) } catch { throw FormulaRefusal(error) }
    return try compile(lowered)
  }

  /// The code of a lowered term.
  mutating func compile(_ t: LoweredTerm) throws -> FormulaCode<S> {
    if let known = memo[t.id] { return known }
    var code = try compileNode(t)
    if case let .vector(v) = code, !t.isAccess { code = .vector(cached(v, reading: t.reads)) }
    memo[t.id] = code
    return code
  }

  /// Reuses the column of `v` while the index slots it reads keep their versions, within a run.
  private func cached(_ v: @escaping () -> UnsafeMutablePointer<S>?, reading slots: [Int]) -> () -> UnsafeMutablePointer<S>? {
    let m = machine
    let indices = machine.indices
    let (stamps, value) = machine.newCache(count: slots.count)  // stamps[0]: the epoch
    return {
      let versions = indices.versions
      if stamps[0] == m.epoch {
        var same = true
        for k in 0..<slots.count where versions[slots[k]] != stamps[k + 1] {
          same = false
          break
        }
        if same { return value.pointee }
      }
      let computed = v()
      value.pointee = computed
      stamps[0] = m.epoch
      for k in 0..<slots.count { stamps[k + 1] = versions[slots[k]] }
      return computed
    }
  }

  private mutating func compileNode(_ t: LoweredTerm) throws -> FormulaCode<S> {
    let m = machine
    switch t.node {
    case let .constant(q):
      let v = S(Double(q))
      return .scalar { v }
    case let .named(name):
      guard name == "pi" else { throw FormulaRefusal("the constant '\(name)' has no value in a formula layer") }
      let v = S(Double.pi)
      return .scalar { v }
    case let .access(access):
      guard let operand = operands[access.tensor], access.indices.count == 1 else {
        throw FormulaRefusal("the tensor '\(access.tensor)' is not an operand here (\(operands.keys.sorted().joined(separator: ", ")))")
      }
      let (slot, width) = operand
      guard access.shape == [width] else {
        throw FormulaRefusal("the tensor '\(access.tensor)' has \(width) entries here, its formula declares \(access.shape)")
      }
      // The one axis of a rank-1 operand, taken out so the closure reads no array of axes.
      let index = access.indices[0]
      let indices = m.indices
      return .vector {
        let c = index.value(indices.values)
        guard c >= 0, c < width else { return nil }
        return m.operands[slot] + c * m.stride
      }
    case let .bracket(constraints):
      let indices = m.indices
      return .scalar {
        for c in constraints where !c.holds(indices.values) { return 0 }
        return 1
      }
    case let .sum(loop, body):
      return try sum(loop, body)
    case let .add(terms):
      return add(try terms.map { try compile($0) })
    case let .mul(factors):
      return multiply(try factors.map { try compile($0) })
    case let .power(base, q):
      return power(try compile(base), q)
    case let .apply(f, a):
      return apply(f, try compile(a))
    }
  }

  // MARK: - Formers

  private mutating func sum(_ lowered: LoweredLoop, _ body: LoweredTerm) throws -> FormulaCode<S> {
    let loop = IndexLoop(lowered, indices: machine.indices)
    switch try compile(body) {
    case let .scalar(s):
      return .scalar {
        var total: S = 0
        loop.forEach { total += s() }
        return total
      }
    case let .vector(v):
      let m = machine
      let r = m.newRegister()
      return .vector {
        let out = m.register(r), rows = m.rows
        var any = false
        loop.forEach {
          guard let p = v() else { return }
          if any {
            FormulaKernels.accumulate(p, into: out, rows: rows)
          } else {
            FormulaKernels.add(0, p, into: out, rows: rows)
            any = true
          }
        }
        return any ? out : nil
      }
    }
  }

  private func add(_ codes: [FormulaCode<S>]) -> FormulaCode<S> {
    let (scalars, vectors) = split(codes)
    if vectors.isEmpty {
      return .scalar {
        var total: S = 0
        for s in scalars { total += s() }
        return total
      }
    }
    let m = machine
    let r = m.newRegister()
    return .vector {
      var c: S = 0
      for s in scalars { c += s() }
      let out = m.register(r), rows = m.rows
      // The first nonzero column is kept as is until a second one comes.
      var first: UnsafeMutablePointer<S>?
      var count = 0
      for v in vectors {
        guard let p = v() else { continue }
        count += 1
        if count == 1 {
          first = p
        } else if count == 2 {
          FormulaKernels.add(c, first!, into: out, rows: rows)
          FormulaKernels.accumulate(p, into: out, rows: rows)
        } else {
          FormulaKernels.accumulate(p, into: out, rows: rows)
        }
      }
      switch count {
      case 0:
        if c == 0 { return nil }
        FormulaKernels.fill(out, c, rows: rows)
        return out
      case 1:
        if c == 0 { return first }
        FormulaKernels.add(c, first!, into: out, rows: rows)
        return out
      default:
        return out
      }
    }
  }

  /// A product: the example-independent factors first, and nothing more once one of them is 0.
  private func multiply(_ codes: [FormulaCode<S>]) -> FormulaCode<S> {
    let (scalars, vectors) = split(codes)
    if vectors.isEmpty {
      return .scalar {
        var product: S = 1
        for s in scalars {
          product *= s()
          if product == 0 { return 0 }
        }
        return product
      }
    }
    let m = machine
    let r = m.newRegister()
    return .vector {
      var c: S = 1
      for s in scalars {
        c *= s()
        if c == 0 { return nil }
      }
      let out = m.register(r), rows = m.rows
      guard let p0 = vectors[0]() else { return nil }
      if vectors.count == 1 {
        if c == 1 { return p0 }
        FormulaKernels.scale(c, p0, into: out, rows: rows)
        return out
      }
      guard let p1 = vectors[1]() else { return nil }
      FormulaKernels.multiply(c, p0, p1, into: out, rows: rows)
      for k in 2..<vectors.count {
        guard let p = vectors[k]() else { return nil }
        FormulaKernels.multiply(p, into: out, rows: rows)
      }
      return out
    }
  }

  private func power(_ base: FormulaCode<S>, _ q: Rational) -> FormulaCode<S> {
    let kind: PowerKind<S>
    switch q {
    case Rational(2): kind = .square
    case Rational(3): kind = .cube
    case Rational(-1): kind = .reciprocal
    case Rational(-2): kind = .reciprocalSquare
    case Rational(1, 2): kind = .squareRoot
    case Rational(-1, 2): kind = .reciprocalSquareRoot
    default: kind = .general(S(Double(q)))
    }
    let one = q.isZero
    switch base {
    case let .scalar(s):
      return .scalar { one ? 1 : FormulaKernels.power(s(), kind) }
    case let .vector(v):
      let m = machine
      let r = m.newRegister()
      // 0^q for an absent (zero) column: 0 for q > 0, 1 for q = 0, pow's infinity for q < 0.
      let atZero = one ? 1 : FormulaKernels.power(S(0), kind)
      return .vector {
        let out = m.register(r), rows = m.rows
        guard let p = v() else {
          if atZero == 0 { return nil }
          FormulaKernels.fill(out, atZero, rows: rows)
          return out
        }
        if one {
          FormulaKernels.fill(out, 1, rows: rows)
        } else {
          FormulaKernels.power(p, kind, into: out, rows: rows)
        }
        return out
      }
    }
  }

  private func apply(_ f: ScalarFunction, _ argument: FormulaCode<S>) -> FormulaCode<S> {
    switch argument {
    case let .scalar(s):
      return .scalar { FormulaKernels.apply(f, s()) }
    case let .vector(v):
      let m = machine
      let r = m.newRegister()
      let atZero = FormulaKernels.apply(f, S(0))
      return .vector {
        let out = m.register(r), rows = m.rows
        guard let p = v() else {
          if atZero == 0 { return nil }
          FormulaKernels.fill(out, atZero, rows: rows)
          return out
        }
        FormulaKernels.apply(f, p, into: out, rows: rows)
        return out
      }
    }
  }

  private func split(_ codes: [FormulaCode<S>]) -> (scalars: [() -> S], vectors: [() -> UnsafeMutablePointer<S>?]) {
    var scalars: [() -> S] = [], vectors: [() -> UnsafeMutablePointer<S>?] = []
    for code in codes {
      switch code {
      case let .scalar(s): scalars.append(s)
      case let .vector(v): vectors.append(v)
      }
    }
    return (scalars, vectors)
  }
}

extension LoweredTerm {
  fileprivate var isAccess: Bool {
    if case .access = node { return true }
    return false
  }
}
