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
    guard variable == nil else { throw EvaluationError.unsupported("a derivative inside a derivative") }
    let shape = try x.shape.map { try indexer.evaluate($0) }
    guard let dx = environment.tensors[direction.name] else { throw EvaluationError.missingTensor(direction.name) }
    guard dx.shape == shape else {
      throw EvaluationError.shapeMismatch(tensor: direction.name, declared: shape, given: dx.shape)
    }
    variable = Variable(tensor: x, direction: .tensor(dx), key: .along(x.name, direction.name))
    defer { variable = nil }
    return try evaluate(term)
  }

  /// `vjp(o: S -> y, x, dy)[at] = sum over o in S of dy[o] * ∂y(o)/∂x[at]` (seed 1 for `grad`): one
  /// forward pass along the unit tensor at `at`, 0 when `at` is outside the shape of `x`.
  ///
  /// Terms with `dy[o] = 0` are skipped (a strong zero, as in products).
  mutating func vectorJacobianProduct(_ v: VectorJacobianProduct) throws -> Dual<Scalar> {
    guard variable == nil else { throw EvaluationError.unsupported("a vjp inside a derivative") }
    let at = try v.at.map { try indexer.evaluate($0) }
    let shape = try v.wrt.shape.map { try indexer.evaluate($0) }
    var offset = 0
    for (k, n) in zip(at, shape) {
      guard k >= 0, k < n else { return constant(Rational(0)) }  // a tensor over the shape of x
      offset = offset * n + k
    }
    let outputShape = try v.shape.map { try indexer.evaluate($0) }
    var seed: TensorValue?
    if let dy = v.seed {
      guard let value = environment.tensors[dy.name] else { throw EvaluationError.missingTensor(dy.name) }
      guard value.shape == outputShape else {
        throw EvaluationError.shapeMismatch(tensor: dy.name, declared: outputShape, given: value.shape)
      }
      seed = value
    }
    let saved = indexer.scope
    variable = Variable(tensor: v.wrt, direction: .unit(offset), key: .unit(v.wrt.name, offset))
    defer {
      variable = nil
      indexer.scope = saved
    }
    var total = Scalar(0, precision: precision)
    var o = [Int](repeating: 0, count: outputShape.count)
    repeat {
      let weight = seed?.value(at: o) ?? Rational(1)
      if !weight.isZero {
        // The binders over the scope: the output may mention other indices (a class label).
        indexer.scope = saved.merging(zip(v.binders, o)) { $1 }
        total = total + (try evaluate(v.output)).derivative(precision: precision) * weight
      }
    } while TensorValue.advance(&o, within: outputShape)
    return .constant(total)
  }
}
