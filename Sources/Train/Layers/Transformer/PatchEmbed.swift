/// Patch embedding, certified block `patch_embed7` (`Theorems/transformer.thm`): a `[C, H, W]`
/// image cut into `GH x GW` patches of `7 x 7` (stride 7, so they tile the image; rows and columns
/// past the last whole patch are not read), each patch's `C 7 7` values mapped to `D` features:
///
///     y[p, q, d] = sum(c, u, v) w[d, c, u, v] x[c, 7p + u, 7q + v] + b[d]
///
/// giving `GH GW` tokens of `D` features (token `p GW + q`). The kernels gather each example's
/// patches into the rows of a `[B GH GW, C 7 7]` matrix and run `Dense`'s three `gemm`s on it (the
/// weight `[D, C, 7, 7]` is, in memory, `dense`'s `[D, C 7 7]`); the input gradient is scattered
/// back (patches do not overlap, so each pixel gets at most one value, and 0 outside the patches).
///
/// A stride is part of a block, so each patch size is a subclass with its own block
/// (`PatchEmbed.kind(patch:)`): 2, 4, 7, 8, 14 and 16.
public class PatchEmbed: LayerKernels {
  /// The patch size (and stride) the certified block states.
  public class var patch: Int { 7 }
  public class var certifiedBlock: String { "patch_embed\(patch)" }
  public class var ruleNames: [String] { ["x", "w", "b"].map { "\(certifiedBlock).\($0)" } }
  public class var operandNames: [String] { ["x", "w", "b"] }

  /// The patch sizes with a certified block.
  public static let supportedPatches = [2, 4, 7, 8, 14, 16]

  /// The class of the patch size `patch`, nil when none is certified.
  public static func kind(patch: Int) -> PatchEmbed.Type? {
    [PatchEmbed2.self, PatchEmbed4.self, PatchEmbed.self, PatchEmbed8.self, PatchEmbed14.self, PatchEmbed16.self].first { $0.patch == patch }
  }

  public let name: String
  public let inputShape: [Int]
  public let units: Int
  public var outputShape: [Int] { [rows * columns, units] }
  public var inputWidth: Int { inputShape.reduce(1, *) }
  public var outputWidth: Int { rows * columns * units }
  /// `w`, shape `[D, C, 7, 7]`.
  public let weight: Parameter
  /// `b`, shape `[D]`.
  public let bias: Parameter
  public var parameters: [Parameter] { [weight, bias] }

  /// Patches down and across, `GH` and `GW`.
  let rows: Int
  let columns: Int
  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var patches: Workspace<Float>
  private var patchGradient: Workspace<Float>
  private var lastRows = -1

  public required init(name: String, input: [Int], units: Int) {
    precondition(input.count == 3 && input[1] >= Self.patch && input[2] >= Self.patch && units > 0, "patch_embed takes a CxHxW image of at least one patch")
    self.name = name
    inputShape = input
    self.units = units
    (rows, columns) = (input[1] / Self.patch, input[2] / Self.patch)
    let patchWidth = input[0] * Self.patch * Self.patch
    weight = Parameter(name: name + ".w", rule: Self.certifiedBlock + ".w", shape: [units, input[0], Self.patch, Self.patch])
    bias = Parameter(name: name + ".b", rule: Self.certifiedBlock + ".b", shape: [units])
    output = Workspace(columns: rows * columns * units)
    inputGradient = Workspace(columns: input.reduce(1, *))
    patches = Workspace(columns: rows * columns * patchWidth)
    patchGradient = Workspace(columns: rows * columns * patchWidth)
  }

  /// Draws the weights by `scheme` (fan-in `C 7 7`) and zeroes the bias.
  package func initialize(_ scheme: Initialization, using random: inout RandomSource) {
    scheme.fill(&weight.value, using: &random)
    bias.value = Tensor(zeros: [units])
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
    patches.reserve(rows: batchCapacity)
    patchGradient.reserve(rows: batchCapacity)
  }

  private var patchWidth: Int { inputShape[0] * Self.patch * Self.patch }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    let p = patches.matrix(rows: input.rows)
    Self.gather(x: input, image: inputShape, patch: Self.patch, into: p)
    WeightAndBias(weight, bias).withValues { w, b in
      Dense.forward(x: tokenRows(p, patchWidth), weight: w, bias: b, into: tokenRows(y, units))
    }
    lastRows = input.rows
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    checkForward(rows: lastRows, for: outputGradient)
    let p = patches.matrix(rows: lastRows)
    let dp = needsInputGradient ? patchGradient.matrix(rows: lastRows) : nil
    WeightAndBias(weight, bias).withGradients { w, d in
      Dense.backward(
        x: tokenRows(p, patchWidth), weight: w, outputGradient: tokenRows(outputGradient, units),
        weightGradient: d.weight, biasGradient: d.bias, inputGradient: dp.map { tokenRows($0, patchWidth) },
        accumulateWeight: d.accumulateWeight, accumulateBias: d.accumulateBias)
    }
    guard let dp else { return nil }
    let dx = inputGradient.matrix(rows: lastRows)
    Self.scatter(patchGradient: dp, image: inputShape, patch: Self.patch, into: dx)
    return dx
  }

  private func tokenRows(_ m: UnsafeMatrix<Float>, _ width: Int) -> UnsafeMatrix<Float> {
    UnsafeMatrix(m.base, rows: m.rows * rows * columns, columns: width)
  }

  // MARK: - Kernels

  /// Each example's patches as rows `[GH GW, C 7 7]`: `p[pq, (c, u, v)] = x[c, 7p + u, 7q + v]`.
  static func gather<S: TrainScalar>(x: UnsafeMatrix<S>, image: [Int], patch k: Int, into patches: UnsafeMatrix<S>) {
    let (channels, height, width) = (image[0], image[1], image[2])
    let (gh, gw) = (height / k, width / k)
    for b in 0..<x.rows {
      let (xs, ps) = (x.row(b), patches.row(b))
      var out = 0
      for p in 0..<gh {
        for q in 0..<gw {
          for c in 0..<channels {
            for u in 0..<k {
              let source = xs + (c * height + k * p + u) * width + k * q
              for v in 0..<k { ps[out + v] = source[v] }
              out += k
            }
          }
        }
      }
    }
  }

  /// The input gradient from the patches' gradient: each pixel in a patch gets its one entry, every
  /// other pixel 0.
  static func scatter<S: TrainScalar>(patchGradient: UnsafeMatrix<S>, image: [Int], patch k: Int, into dx: UnsafeMatrix<S>) {
    let (channels, height, width) = (image[0], image[1], image[2])
    let (gh, gw) = (height / k, width / k)
    for b in 0..<dx.rows {
      let (ds, out) = (patchGradient.row(b), dx.row(b))
      out.update(repeating: 0, count: dx.columns)
      var read = 0
      for p in 0..<gh {
        for q in 0..<gw {
          for c in 0..<channels {
            for u in 0..<k {
              let target = out + (c * height + k * p + u) * width + k * q
              for v in 0..<k { target[v] = ds[read + v] }
              read += k
            }
          }
        }
      }
    }
  }

  // MARK: - Rules on explicit operands

  /// `x` as `[C, H, W]` or `[B, C, H, W]`, `w` as `[D, C, 7, 7]`; `dy` as `[GH, GW, D]` or
  /// `[B, GH, GW, D]`.
  private class func read<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> (x: Tensor<S>, w: Tensor<S>, b: Tensor<S>, image: [Int], single: Bool) {
    func fail(_ reason: String) -> TrainingError { .badOperands(block: certifiedBlock, reason: reason) }
    func operand(_ name: String) throws -> Tensor<S> {
      guard let t = operands[name] else { throw fail("missing operand '\(name)' (given: \(operands.keys.sorted().joined(separator: ", ")))") }
      return t
    }
    let (x, w, b) = (try operand("x"), try operand("w"), try operand("b"))
    guard x.shape.count == 3 || x.shape.count == 4, x.shape.suffix(2).allSatisfy({ $0 >= patch }) else {
      throw fail("'x' has shape \(x.shape); expected [C, H, W] or [B, C, H, W] with H, W >= \(patch)")
    }
    let image = Array(x.shape.suffix(3))
    guard w.shape.count == 4, w.shape[1] == image[0], w.shape[2] == patch, w.shape[3] == patch else {
      throw fail("'w' has shape \(w.shape); expected [D, \(image[0]), \(patch), \(patch)]")
    }
    guard b.shape == [w.shape[0]] else { throw fail("'b' has shape \(b.shape); expected [\(w.shape[0])]") }
    let examples = x.shape.count == 4 ? x.shape[0] : 1
    return (x.reshaped([examples, image.reduce(1, *)]), w, b, image, x.shape.count == 3)
  }

  public class func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    var (x, w, b, image, single) = try read(operands)
    let (tokens, d, width) = ((image[1] / patch) * (image[2] / patch), w.shape[0], image[0] * patch * patch)
    var p = Tensor<S>(zeros: [x.shape[0], tokens * width])
    var y = Tensor<S>(zeros: [x.shape[0] * tokens, d])
    x.withMatrix { x in p.withMatrix { p in gather(x: x, image: image, patch: patch, into: p) } }
    p = p.reshaped([x.shape[0] * tokens, width])
    p.withMatrix { p in w.withMatrix { w in b.withMatrix { b in y.withMatrix { y in Dense.forward(x: p, weight: w.base, bias: b.base, into: y) } } } }
    let shape = [image[1] / patch, image[2] / patch, d]
    return y.reshaped(single ? shape : [x.shape[0]] + shape)
  }

  public class func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    var (x, w, _, image, single) = try read(operands)
    let (gh, gw, d, width) = (image[1] / patch, image[2] / patch, w.shape[0], image[0] * patch * patch)
    let examples = x.shape[0]
    guard var dy = operands["dy"], dy.shape == (single ? [gh, gw, d] : [examples, gh, gw, d]) else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'dy' has shape \(operands["dy"]?.shape ?? []); expected \(single ? [gh, gw, d] : [examples, gh, gw, d])")
    }
    dy = dy.reshaped([examples * gh * gw, d])
    var p = Tensor<S>(zeros: [examples, gh * gw * width])
    x.withMatrix { x in p.withMatrix { p in gather(x: x, image: image, patch: patch, into: p) } }
    p = p.reshaped([examples * gh * gw, width])
    var (dp, dw, db) = (Tensor<S>(zeros: p.shape), Tensor<S>(zeros: w.shape), Tensor<S>(zeros: [d]))
    p.withMatrix { p in
      w.withMatrix { w in
        dy.withMatrix { dy in
          dp.withMatrix { dp in
            dw.withMatrix { dw in
              db.withMatrix { db in
                Dense.backward(x: p, weight: w.base, outputGradient: dy, weightGradient: dw.base, biasGradient: db.base, inputGradient: dp)
              }
            }
          }
        }
      }
    }
    dp = dp.reshaped([examples, gh * gw * width])
    var dx = Tensor<S>(zeros: [examples, image.reduce(1, *)])
    dp.withMatrix { dp in dx.withMatrix { dx in scatter(patchGradient: dp, image: image, patch: patch, into: dx) } }
    return [ruleNames[0]: dx.reshaped(single ? image : [examples] + image), ruleNames[1]: dw, ruleNames[2]: db]
  }
}

/// 2 x 2 patches, block `patch_embed2`.
public final class PatchEmbed2: PatchEmbed { public override class var patch: Int { 2 } }
/// 4 x 4 patches, block `patch_embed4`.
public final class PatchEmbed4: PatchEmbed { public override class var patch: Int { 4 } }
/// 8 x 8 patches, block `patch_embed8`.
public final class PatchEmbed8: PatchEmbed { public override class var patch: Int { 8 } }
/// 14 x 14 patches, block `patch_embed14`.
public final class PatchEmbed14: PatchEmbed { public override class var patch: Int { 14 } }
/// 16 x 16 patches, block `patch_embed16`.
public final class PatchEmbed16: PatchEmbed { public override class var patch: Int { 16 } }
