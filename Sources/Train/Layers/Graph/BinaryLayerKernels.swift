/// The batched kernels of a layer that reads two values of one shape (`Add`, `Mul`): the graph
/// model (`Sequential`) calls these instead of the one-input kernels of `LayerKernels`.
///
/// `backward` returns the gradient with respect to each input, unless that input needs none (it
/// does not depend on a parameter); a value read by several layers receives the sum of what they
/// return (the schedule's fan-out sums).
package protocol BinaryLayerKernels: LayerKernels {
  func forward(_ x: UnsafeMatrix<Float>, _ z: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float>
  func backward(_ outputGradient: UnsafeMatrix<Float>, needs: (x: Bool, z: Bool)) -> (x: UnsafeMatrix<Float>?, z: UnsafeMatrix<Float>?)
}

extension BinaryLayerKernels {
  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    preconditionFailure("\(name) reads two values: the model calls forward(_:_:training:)")
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    preconditionFailure("\(name) reads two values: the model calls backward(_:needs:)")
  }
}

/// The operand handling shared by the two-input elementwise blocks: inputs `x` and `z` of one
/// shape, an output like them, and for `backward` an upstream gradient `dy` like it.
enum BinaryElementwise {
  static func forward<S: TrainScalar>(
    block: String, _ operands: [String: Tensor<S>], _ kernel: (UnsafeMatrix<S>, UnsafeMatrix<S>, UnsafeMatrix<S>) -> Void
  ) throws -> Tensor<S> {
    var reader = OperandReader(block: block, operands)
    var x = try reader.batch("x")
    var z = try reader.batch("z", width: x.shape[1], rows: x.shape[0])
    var y = Tensor<S>(zeros: x.shape)
    x.withMatrix { x in z.withMatrix { z in y.withMatrix { y in kernel(x, z, y) } } }
    return reader.shaped(y)
  }

  static func backward<S: TrainScalar>(
    block: String, _ operands: [String: Tensor<S>],
    _ kernel: (_ x: UnsafeMatrix<S>, _ z: UnsafeMatrix<S>, _ dy: UnsafeMatrix<S>, _ dx: UnsafeMatrix<S>, _ dz: UnsafeMatrix<S>) -> Void
  ) throws -> [String: Tensor<S>] {
    var reader = OperandReader(block: block, operands)
    var x = try reader.batch("x")
    var z = try reader.batch("z", width: x.shape[1], rows: x.shape[0])
    var dy = try reader.batch("dy", width: x.shape[1], rows: x.shape[0])
    var dx = Tensor<S>(zeros: x.shape), dz = Tensor<S>(zeros: x.shape)
    x.withMatrix { x in z.withMatrix { z in dy.withMatrix { dy in dx.withMatrix { dx in dz.withMatrix { dz in kernel(x, z, dy, dx, dz) } } } } }
    return [block + ".x": reader.shaped(dx), block + ".z": reader.shaped(dz)]
  }
}
