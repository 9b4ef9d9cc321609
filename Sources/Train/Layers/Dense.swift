/// A fully connected layer, certified block `dense`: `y[o] = sum(i) W[o, i] * x[i] + b[o]`.
///
/// On a batch, `Y = X Wᵀ + b` with `X` `[B, in]` and `W` `[out, in]`. The backward rules, summed
/// over the batch:
///
///     dense.x   dX = dY W             (vjp x[i] = sum(o) W[o, i] * dy[o])
///     dense.W   dW = dYᵀ X            (vjp W[o, i] = dy[o] * x[i])
///     dense.b   db = column sums of dY (vjp b[o] = dy[o])
///
/// The three products go to BLAS `gemm`; the input gradient is skipped when not needed.
public class Dense: LayerKernels {
  public class var certifiedBlock: String { "dense" }
  public class var ruleNames: [String] { ["\(certifiedBlock).x", "\(certifiedBlock).W", "\(certifiedBlock).b"] }
  public class var operandNames: [String] { ["x", "W", "b"] }

  public let name: String
  public let inputWidth: Int
  public let outputWidth: Int
  /// `W`, shape `[out, in]`.
  public let weight: Parameter
  /// `b`, shape `[out]`.
  public let bias: Parameter
  public var parameters: [Parameter] { [weight, bias] }

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var lastInput: UnsafeMatrix<Float>?

  public convenience init(name: String, inputWidth: Int, outputWidth: Int) {
    self.init(name: name, input: [inputWidth], outputWidth: outputWidth)
  }

  /// A dense layer reading `input` (`[in]`; `DenseOverImage` reads `[C, H, W]`), its weight shaped
  /// `[out] + input`.
  init(name: String, input: [Int], outputWidth: Int) {
    let inputWidth = input.reduce(1, *)
    precondition(inputWidth > 0 && outputWidth > 0, "dense widths must be positive")
    self.name = name
    self.inputWidth = inputWidth
    self.outputWidth = outputWidth
    let block = Self.certifiedBlock
    weight = Parameter(name: name + ".W", rule: block + ".W", shape: [outputWidth] + input)
    bias = Parameter(name: name + ".b", rule: block + ".b", shape: [outputWidth])
    output = Workspace(columns: outputWidth)
    inputGradient = Workspace(columns: inputWidth)
  }

  /// Draws the weights by `scheme` and zeroes the bias.
  package func initialize(_ scheme: Initialization, using random: inout RandomSource) {
    scheme.fill(&weight.value, using: &random)
    bias.value = Tensor(zeros: [outputWidth])
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    precondition(input.columns == inputWidth, "\(name): \(input.columns) inputs, expected \(inputWidth)")
    let y = output.matrix(rows: input.rows)
    WeightAndBias(weight, bias).withValues { w, b in Dense.forward(x: input, weight: w, bias: b, into: y) }
    lastInput = input
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    let x = kept(lastInput, for: outputGradient)
    let dx = needsInputGradient ? inputGradient.matrix(rows: x.rows) : nil
    WeightAndBias(weight, bias).withGradients { w, d in
      Dense.backward(
        x: x, weight: w, outputGradient: outputGradient, weightGradient: d.weight, biasGradient: d.bias, inputGradient: dx,
        accumulateWeight: d.accumulateWeight, accumulateBias: d.accumulateBias)
    }
    return dx
  }

  // MARK: - Kernels

  /// `y = x Wᵀ + b`, row by row.
  static func forward<S: TrainScalar>(
    x: UnsafeMatrix<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>, into y: UnsafeMatrix<S>
  ) {
    for r in 0..<y.rows { y.row(r).update(from: bias, count: y.columns) }
    guard x.rows > 0 else { return }
    S.gemm(
      transposeA: false, transposeB: true, m: x.rows, n: y.columns, k: x.columns,
      alpha: 1, a: x.base, lda: x.columns, b: weight, ldb: x.columns,
      beta: 1, c: y.base, ldc: y.columns)
  }

  /// `dW = dyᵀ x`, `db = column sums of dy`, and `dx = dy W` when `inputGradient` is given.
  /// With `accumulateWeight` (`accumulateBias`), `dW` (`db`) is added to what the buffer holds.
  static func backward<S: TrainScalar>(
    x: UnsafeMatrix<S>, weight: UnsafePointer<S>, outputGradient dy: UnsafeMatrix<S>,
    weightGradient: UnsafeMutablePointer<S>, biasGradient: UnsafeMutablePointer<S>,
    inputGradient dx: UnsafeMatrix<S>?, accumulateWeight: Bool = false, accumulateBias: Bool = false
  ) {
    let (batch, inputs, outputs) = (x.rows, x.columns, dy.columns)
    if !accumulateBias { biasGradient.update(repeating: 0, count: outputs) }
    guard batch > 0 else {
      if !accumulateWeight { weightGradient.update(repeating: 0, count: outputs * inputs) }
      return
    }
    // beta 1 also spares BLAS its zeroing pass over dW.
    S.gemm(
      transposeA: true, transposeB: false, m: outputs, n: inputs, k: batch,
      alpha: 1, a: dy.base, lda: outputs, b: x.base, ldb: inputs,
      beta: accumulateWeight ? 1 : 0, c: weightGradient, ldc: inputs)
    for r in 0..<batch {
      let row = dy.row(r)
      for o in 0..<outputs { biasGradient[o] += row[o] }
    }
    if let dx {
      S.gemm(
        transposeA: false, transposeB: false, m: batch, n: inputs, k: outputs,
        alpha: 1, a: dy.base, lda: outputs, b: weight, ldb: inputs,
        beta: 0, c: dx.base, ldc: inputs)
    }
  }

  // MARK: - Rules on explicit operands

  public class func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    var reader = OperandReader(block: certifiedBlock, operands)
    var w = try reader.parameter("W")
    guard w.shape.count == 2 else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'W' has shape \(w.shape); expected [out, in]")
    }
    var x = try reader.batch("x", width: w.shape[1])
    var b = try reader.parameter("b", shape: [w.shape[0]])
    var y = Tensor<S>(zeros: [x.shape[0], w.shape[0]])
    x.withMatrix { x in
      w.withMatrix { w in
        b.withMatrix { b in y.withMatrix { y in forward(x: x, weight: w.base, bias: b.base, into: y) } }
      }
    }
    return reader.shaped(y)
  }

  public class func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    var reader = OperandReader(block: certifiedBlock, operands)
    var w = try reader.parameter("W")
    guard w.shape.count == 2 else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'W' has shape \(w.shape); expected [out, in]")
    }
    var x = try reader.batch("x", width: w.shape[1])
    _ = try reader.parameter("b", shape: [w.shape[0]])
    var dy = try reader.batch("dy", width: w.shape[0], rows: x.shape[0])
    var (dx, dw, db) = (Tensor<S>(zeros: x.shape), Tensor<S>(zeros: w.shape), Tensor<S>(zeros: [w.shape[0]]))
    x.withMatrix { x in
      w.withMatrix { w in
        dy.withMatrix { dy in
          dx.withMatrix { dx in
            dw.withMatrix { dw in
              db.withMatrix { db in
                backward(
                  x: x, weight: w.base, outputGradient: dy, weightGradient: dw.base,
                  biasGradient: db.base, inputGradient: dx)
              }
            }
          }
        }
      }
    }
    return [ruleNames[0]: reader.shaped(dx), ruleNames[1]: dw, ruleNames[2]: db]
  }
}
