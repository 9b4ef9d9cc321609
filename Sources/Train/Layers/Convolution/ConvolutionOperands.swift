/// A convolution's operands by name (`x`, `w`, `b`, optional `P`, and `dy`), checked, and its
/// kernels run on them: the rules of `Conv2D` on explicit tensors.
struct ConvolutionOperands<S: TrainScalar> {
  let block: String
  let operands: [String: Tensor<S>]
  let geometry: WindowGeometry
  let outputChannels: Int
  let batch: Int
  /// Whether `x` came without a batch dimension (results are returned alike).
  let singleExample: Bool
  var x: Tensor<S>
  var w: Tensor<S>
  var b: Tensor<S>

  init(block: String, _ operands: [String: Tensor<S>], stride: Int) throws {
    self.block = block
    self.operands = operands
    let reader = OperandReader(block: block, operands)
    w = try reader.tensor("w")
    guard w.shape.count == 4, w.shape[2] == w.shape[3] else {
      throw TrainingError.badOperands(block: block, reason: "'w' has shape \(w.shape); expected [D, C, K, K]")
    }
    outputChannels = w.shape[0]
    b = try reader.parameter("b", shape: [outputChannels])
    x = try reader.tensor("x")
    singleExample = x.shape.count == 3
    guard x.shape.count == 3 || x.shape.count == 4, x.shape[x.shape.count - 3] == w.shape[1] else {
      throw TrainingError.badOperands(block: block, reason: "'x' has shape \(x.shape); expected [\(w.shape[1]), H, W] or [B, \(w.shape[1]), H, W]")
    }
    batch = singleExample ? 1 : x.shape[0]
    var padding = 0
    if let p = operands["P"] {
      guard p.shape.isEmpty, let value = Int(exactly: p.scalars[0]), value >= 1 else {
        throw TrainingError.badOperands(block: block, reason: "'P' must be a scalar integer >= 1 (the padding + 1)")
      }
      padding = value - 1
    }
    let image = Array(x.shape.suffix(3))
    let kernel = w.shape[2]
    guard kernel <= image[1] + 2 * padding, kernel <= image[2] + 2 * padding, padding < kernel else {
      throw TrainingError.badOperands(block: block, reason: "kernel \(kernel) with padding \(padding) does not fit an image of \(image)")
    }
    geometry = WindowGeometry(input: image, kernel: kernel, stride: stride, padding: padding)
  }

  private var outputShape: [Int] {
    (singleExample ? [] : [batch]) + [outputChannels, geometry.outputHeight, geometry.outputWidth]
  }

  /// Scratch for `Conv2D`'s kernels on this batch.
  private var scratch: Tensor<S> {
    let parts = Conv2D.parts(batch: batch, geometry, outputChannels: outputChannels)
    return Tensor<S>(zeros: [parts * Conv2D.scratchPerPart(geometry, outputChannels: outputChannels)])
  }

  func forward() throws -> Tensor<S> {
    var (x, w, b, scratch) = (x, w, b, scratch)
    var y = Tensor<S>(zeros: outputShape)
    x.withUnsafeMutableBufferPointer { x in
      w.withUnsafeMutableBufferPointer { w in
        b.withUnsafeMutableBufferPointer { b in
          y.withUnsafeMutableBufferPointer { y in
            scratch.withUnsafeMutableBufferPointer { scratch in
              Conv2D.forward(
                x: UnsafeMatrix(x.baseAddress!, rows: batch, columns: geometry.inputCount), weight: w.baseAddress!,
                bias: b.baseAddress!, geometry: geometry, outputChannels: outputChannels, scratch: scratch.baseAddress!,
                into: UnsafeMatrix(y.baseAddress!, rows: batch, columns: outputChannels * geometry.outputPlane))
            }
          }
        }
      }
    }
    return y
  }

  func backward() throws -> [String: Tensor<S>] {
    var dy = try OperandReader(block: block, operands).tensor("dy")
    guard dy.shape == outputShape else {
      throw TrainingError.badOperands(block: block, reason: "'dy' has shape \(dy.shape); expected \(outputShape) like the output")
    }
    var (x, w, scratch) = (x, w, scratch)
    var (dx, dw, db) = (Tensor<S>(zeros: x.shape), Tensor<S>(zeros: w.shape), Tensor<S>(zeros: [outputChannels]))
    x.withUnsafeMutableBufferPointer { x in
      w.withUnsafeMutableBufferPointer { w in
        dy.withUnsafeMutableBufferPointer { dy in
          scratch.withUnsafeMutableBufferPointer { scratch in
            dx.withUnsafeMutableBufferPointer { dx in
              dw.withUnsafeMutableBufferPointer { dw in
                db.withUnsafeMutableBufferPointer { db in
                  Conv2D.backward(
                    x: UnsafeMatrix(x.baseAddress!, rows: batch, columns: geometry.inputCount), weight: w.baseAddress!,
                    geometry: geometry, outputChannels: outputChannels,
                    outputGradient: UnsafeMatrix(dy.baseAddress!, rows: batch, columns: outputChannels * geometry.outputPlane),
                    scratch: scratch.baseAddress!, weightGradient: dw.baseAddress!, biasGradient: db.baseAddress!,
                    inputGradient: UnsafeMatrix(dx.baseAddress!, rows: batch, columns: geometry.inputCount))
                }
              }
            }
          }
        }
      }
    }
    return [block + ".x": dx, block + ".w": dw, block + ".b": db]
  }
}
