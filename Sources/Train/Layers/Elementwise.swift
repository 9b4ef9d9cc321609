/// The operand handling shared by the elementwise blocks (`relu`, `sigmoid`, `tanh`): one input
/// `x`, an output of the same shape, and for `backward` an upstream gradient `dy` like it.
enum Elementwise {
  static func forward<S: TrainScalar>(
    block: String, _ operands: [String: Tensor<S>],
    _ kernel: (UnsafeMatrix<S>, UnsafeMatrix<S>) -> Void
  ) throws -> Tensor<S> {
    var reader = OperandReader(block: block, operands)
    var x = try reader.batch("x")
    var y = Tensor<S>(zeros: x.shape)
    x.withMatrix { x in y.withMatrix { y in kernel(x, y) } }
    return reader.shaped(y)
  }

  static func backward<S: TrainScalar>(
    block: String, _ operands: [String: Tensor<S>],
    _ kernel: (UnsafeMatrix<S>, UnsafeMatrix<S>, UnsafeMatrix<S>) -> Void
  ) throws -> [String: Tensor<S>] {
    var reader = OperandReader(block: block, operands)
    var x = try reader.batch("x")
    var dy = try reader.batch("dy", width: x.shape[1], rows: x.shape[0])
    var dx = Tensor<S>(zeros: x.shape)
    x.withMatrix { x in dy.withMatrix { dy in dx.withMatrix { dx in kernel(x, dy, dx) } } }
    return [block + ".x": reader.shaped(dx)]
  }

  /// `backward` of a block whose derivative is read from its output (`sigmoid`, `tanh`): `f(x)`
  /// into `dx` by `forward`, then overwritten in place by `backward(y, dy, dx)`.
  static func backwardFromOutput<S: TrainScalar>(
    block: String, _ operands: [String: Tensor<S>],
    forward: (UnsafeMatrix<S>, UnsafeMatrix<S>) -> Void,
    backward: (UnsafeMatrix<S>, UnsafeMatrix<S>, UnsafeMatrix<S>) -> Void
  ) throws -> [String: Tensor<S>] {
    try self.backward(block: block, operands) { x, dy, dx in
      forward(x, dx)
      backward(dx, dy, dx)
    }
  }
}
