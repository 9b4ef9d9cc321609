/// The batched kernels of a layer: what the trainer runs, over workspace the layer owns.
///
/// A batch of `B` examples flows through as a `[B, width]` matrix. `forward` writes the layer's
/// output into workspace the layer owns and returns a view of it; `backward`, called after the
/// `forward` of the same batch (the input it saw must be unchanged), writes every parameter's
/// gradient — summed over the batch — into `Parameter.gradient` (or adds it there, when the
/// parameter `accumulatesGradient`) and returns the gradient with respect to the input, unless
/// told it is not needed (the first layer's input is data).
///
/// Nothing is allocated per step once `reserve(batchCapacity:)` has sized the workspace.
///
/// `package`, not `public`: a user trains through `Trainer` and `Sequential`, and runs a layer's
/// rules on small inputs through `CertifiedBlock`; the unsafe workspace views are the trainer's.
/// To add a layer kind (for example a formula layer derived and certified at load), conform a
/// class to `LayerKernels`, add a `LayerSpec` case and its keyword to the spec parser, and build it
/// in `Sequential.makeLayer` (Docs/Training.md, "Adding a layer kind").
package protocol LayerKernels: Layer {
  /// Sizes the workspace for batches of up to `batchCapacity` examples.
  func reserve(batchCapacity: Int)
  /// The layer's output for a `[B, inputWidth]` batch; `training` selects training behaviour
  /// (dropout masks, kink counting).
  func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float>
  /// Parameter gradients into `Parameter.gradient`; the input gradient when `needsInputGradient`.
  func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>?
}

// Formula layers (Formula/FormulaLayer.swift) implement the kernels with their own programs.
extension FormulaLayer: LayerKernels {}

extension LayerKernels {
  /// The operand the last `forward` kept, checked against the batch `backward` was given. A backward
  /// pass without the forward pass of the same batch is a bug in the caller, not bad input, so it
  /// stops the program instead of computing a gradient from another batch.
  func kept<Scalar: TrainScalar>(_ operand: UnsafeMatrix<Scalar>?, for outputGradient: UnsafeMatrix<Float>, by pass: String = "forward") -> UnsafeMatrix<Scalar> {
    guard let operand, operand.rows == outputGradient.rows else {
      preconditionFailure("\(name): backward without a matching \(pass)")
    }
    return operand
  }

  /// The same check for a layer that keeps only the batch's row count.
  func checkForward(rows: Int, for outputGradient: UnsafeMatrix<Float>) {
    precondition(rows == outputGradient.rows, "\(name): backward without a matching forward")
  }
}
