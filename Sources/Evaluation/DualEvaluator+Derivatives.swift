internal import Exact
public import ProofKernel

// `D` and `vjp` by forward mode: the variable's entries become dual numbers.

extension DualEvaluator {
  /// The value of `term` and, as the tangent, its derivative in the tensor `x` along the tensor
  /// `direction` (read from the environment): `D term [x := direction]` with the value beside it.
  ///
  /// ```swift
  /// let d = try evaluator.dual(of: .power(xAt("i"), 3), in: x, along: dx)   // x[i]^3 + 3 x[i]^2 dx[i] ε
  /// ```
  /// - Throws: as `value(of:)`; `unsupported` inside another derivative.
  public mutating func dual(of term: Term, in x: TensorSymbol, along direction: TensorSymbol) throws -> Dual<Scalar> {
    let free = FreeIndexTree(term)
    let scope = indices.scope(for: free.names.union(x.shape.flatMap(\.indices)).union(direction.shape.flatMap(\.indices)))
    let (body, variable, along) = try indices.lowered { (l: inout Lowering) throws(LoweringError) in
      (try l.lower(term, free, scope), try l.tensor(x, scope), try l.tensor(direction, scope))
    }
    return try directional(body, in: variable, along: along)
  }

  /// A kept `D` or `vjp`: its value, a constant.
  mutating func derivative(_ d: LoweredDerivative) throws -> Dual<Scalar> {
    switch d {
    case let .directional(body, x, dx): return .constant(try directional(body, in: x, along: dx).derivative(precision: precision))
    case let .vectorJacobian(output, binders, shape, x, seed, at):
      return try vectorJacobianProduct(output, binders: binders, shape: shape, in: x, seed: seed, at: at)
    }
  }

  /// `body` with every entry of `x` replaced by `x[k] + dx[k] ε`.
  private mutating func directional(_ body: LoweredTerm, in x: LoweredTensor, along dx: LoweredTensor) throws -> Dual<Scalar> {
    guard variable == nil else { throw EvaluationError.unsupported("a derivative inside a derivative") }
    let shape = try x.shape.map { try indices.evaluate($0) }
    guard let direction = environment.tensors[dx.name] else { throw EvaluationError.missingTensor(dx.name) }
    guard direction.shape == shape else {
      throw EvaluationError.shapeMismatch(tensor: dx.name, declared: shape, given: direction.shape)
    }
    variable = Variable(tensor: x.name, direction: .tensor(direction), key: .along(x.name, dx.name))
    defer { variable = nil }
    return try evaluate(body)
  }

  /// `vjp(o: S -> y, x, dy)[at] = sum over o in S of dy[o] * ∂y(o)/∂x[at]` (seed 1 for `grad`): one
  /// forward pass along the unit tensor at `at`, 0 when `at` is outside the shape of `x`.
  ///
  /// Terms with `dy[o] = 0` are skipped (a strong zero, as in products).
  private mutating func vectorJacobianProduct(
    _ output: LoweredTerm, binders: [Int], shape: [LoweredAffine], in x: LoweredTensor, seed dy: LoweredTensor?,
    at: [LoweredAffine]
  ) throws -> Dual<Scalar> {
    guard variable == nil else { throw EvaluationError.unsupported("a vjp inside a derivative") }
    let point = try at.map { try indices.evaluate($0) }
    let variableShape = try x.shape.map { try indices.evaluate($0) }
    var offset = 0
    for (k, n) in zip(point, variableShape) {
      guard k >= 0, k < n else { return constant(Rational(0)) }  // a tensor over the shape of x
      offset = offset * n + k
    }
    let outputShape = try shape.map { try indices.evaluate($0) }
    var seed: TensorValue?
    if let dy {
      guard let value = environment.tensors[dy.name] else { throw EvaluationError.missingTensor(dy.name) }
      guard value.shape == outputShape else {
        throw EvaluationError.shapeMismatch(tensor: dy.name, declared: outputShape, given: value.shape)
      }
      seed = value
    }
    variable = Variable(tensor: x.name, direction: .unit(offset), key: .unit(x.name, offset))
    defer { variable = nil }
    var total = Scalar(0, precision: precision)
    var o = [Int](repeating: 0, count: outputShape.count)
    repeat {
      let weight = seed?.value(at: o) ?? Rational(1)
      if !weight.isZero {
        for (slot, v) in zip(binders, o) { indices.values[slot] = v }
        total = total + (try evaluate(output)).derivative(precision: precision) * weight
      }
    } while TensorValue.advance(&o, within: outputShape)
    return .constant(total)
  }
}
