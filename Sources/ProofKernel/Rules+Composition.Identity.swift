// The adjoint identity read as parts, shared by `vjp-intro`, `chain` and `fan-out`.

/// `SD = sum(i)[shape x] dx[i] * g`, where the seeded derivative `SD` is
/// `sum(o)[shape dy] dy[o] * D y [x := dx]` or, without a seed, `D y [x := dx]`.
struct AdjointIdentity {
  var outputBinders: [String]
  var seed: TensorSymbol?
  var output: Term
  var variable: TensorSymbol
  var direction: TensorSymbol
  var binders: [String]
  var gradient: Term

  /// Reads `th`, failing with `rule`'s name when a side does not have its form.
  init(_ th: Theorem, rule: String) throws {
    func fail(_ reason: String) -> KernelError { .ruleMismatch(rule: rule, reason: reason) }
    outputBinders = []
    var derivative = th.lhs
    if case let .sum(os, gy, body) = th.lhs.node {
      guard case let .mul(fs) = body.node, fs.count == 2, case let .access(dy, idx) = fs[0].node,
        idx == (try os.map { try Affine.index($0) }), try gy == dy.shapeGuard(idx)
      else { throw fail("the left side is not sum(o)[shape of dy] dy[o] * D y [x := dx]") }
      (outputBinders, seed, derivative) = (os, dy, fs[1])
    }
    guard case let .derivative(y, x, dx) = derivative.node else { throw fail("no D y [x := dx] on the left") }
    guard case let .sum(is_, gx, body) = th.rhs.node, case let .mul(fs) = body.node, fs.count == 2,
      case let .access(direction, idx) = fs[0].node, direction == dx,
      idx == (try is_.map { try Affine.index($0) }), try gx == x.shapeGuard(idx)
    else { throw fail("the right side is not sum(i)[shape of x] dx[i] * g(i)") }
    guard !fs[1].containsDerivative else { throw fail("the gradient still contains D") }
    (output, variable, self.direction, binders, gradient) = (y, x, dx, is_, fs[1])
  }

  /// The seeded derivative of `y` in `x` along `dx`, with this identity's seed and output binders.
  func lhs(_ y: Term, _ x: TensorSymbol, _ dx: TensorSymbol) throws -> Term {
    let d = try Term.derivative(y, x, along: dx)
    guard let seed else { return d }
    let os = try outputBinders.map { try Affine.index($0) }
    return try .sum(outputBinders, seed.shapeGuard(os), .mul([try .access(seed, os), d]))
  }

  /// `sum(i)[shape x] dx[i] * g` over this identity's binders.
  func rhs(_ g: Term, _ x: TensorSymbol, _ dx: TensorSymbol) throws -> Term {
    let is_ = try binders.map { try Affine.index($0) }
    return try .sum(binders, x.shapeGuard(is_), .mul([try .access(dx, is_), g]))
  }
}
