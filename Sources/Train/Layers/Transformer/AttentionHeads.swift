/// Scaled dot-product attention in `H` heads, certified block `attention_heads`
/// (`Theorems/transformer.thm`). Per head `h`, with `E` features per head:
///
///     S = Q Kᵀ / √E     A = softmax of each row of S     O = A V
///     vjp Q = dS K / √E     vjp K = dSᵀ Q / √E     vjp V = Aᵀ dO
///     where dS = A ∘ (dA - rowsum(A ∘ dA)), dA = dO Vᵀ
///
/// The layer reads one example as `[T, 3D]` tokens, each token's query, key and value side by side
/// (`D = H E`, what a `dense` to `3D` features before it gives), and writes `[T, D]`. A token's
/// `D` features are read as `H x E` (head-major), so the heads are split and merged by re-indexing
/// the same storage; `Q`, `K`, `V` are the three disjoint column ranges of the input, and the
/// input gradient is the three rules' values written back into them. The products are small loops
/// on strided views, one per example, head and product (below), the batch cut over threads; the
/// forward pass keeps the attention weights `A` for the backward pass.
public final class AttentionHeads: LayerKernels {
  public static let certifiedBlock = "attention_heads"
  public static let ruleNames = ["attention_heads.Q", "attention_heads.K", "attention_heads.V"]
  public static let operandNames = ["Q", "K", "V"]

  public let name: String
  public let tokens: Int
  public let heads: Int
  /// Features per head, `E`.
  public let headWidth: Int
  public var width: Int { heads * headWidth }
  public var inputShape: [Int] { [tokens, 3 * width] }
  public var outputShape: [Int] { [tokens, width] }
  public var inputWidth: Int { tokens * 3 * width }
  public var outputWidth: Int { tokens * width }
  public var parameters: [Parameter] { [] }

  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  /// The attention weights, `[B, H T T]`.
  private var weights: Workspace<Float>
  private var lastInput: UnsafeMatrix<Float>?

  /// Attention over `input` (`[T, 3D]`) in `heads` heads; `3D` must be a multiple of `3 heads`.
  public init(name: String, input: [Int], heads: Int) {
    precondition(input.count == 2 && heads > 0 && input[1] % (3 * heads) == 0, "attention takes [T, 3 H E] tokens")
    self.name = name
    (tokens, self.heads, headWidth) = (input[0], heads, input[1] / (3 * heads))
    let width = heads * headWidth
    output = Workspace(columns: tokens * width)
    inputGradient = Workspace(columns: tokens * 3 * width)
    weights = Workspace(columns: heads * tokens * tokens)
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
    weights.reserve(rows: batchCapacity)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    let a = weights.matrix(rows: input.rows)
    // Examples are independent: each part of the batch runs its own.
    BatchParallel.forEachPart(batch: input.rows, work: work(input.rows)) { examples in
      Self.forward(qkv: input.slice(rows: examples), tokens: tokens, heads: heads, headWidth: headWidth,
                   weights: a.slice(rows: examples), into: y.slice(rows: examples))
    }
    lastInput = input
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    guard needsInputGradient else { return nil }
    let x = kept(lastInput, for: outputGradient)
    let dx = inputGradient.matrix(rows: x.rows)
    let a = weights.matrix(rows: x.rows)
    BatchParallel.forEachPart(batch: x.rows, work: 2 * work(x.rows)) { examples in
      Self.backward(qkv: x.slice(rows: examples), tokens: tokens, heads: heads, headWidth: headWidth, weights: a.slice(rows: examples),
                    outputGradient: outputGradient.slice(rows: examples), into: dx.slice(rows: examples))
    }
    return dx
  }

  /// Multiply-adds of a forward pass over `batch` examples, for the one-thread cut-off.
  private func work(_ batch: Int) -> Int { 2 * batch * heads * tokens * tokens * headWidth }

  // MARK: - Kernels
  //
  // Per example and head, each of the six products is one `SmallProducts.multiply` on strided
  // views of the token rows (`Q`, `K`, `V` and their gradients are `[T, E]` blocks with row
  // stride `3D`, the output and its gradient blocks with stride `D`), with `Aᵀ` and `dSᵀ` read
  // transposed in place and `Kᵀ`, `Vᵀ` copied into a `[E, T]` scratch block. Each entry is one sum
  // of `E` (or `T`) products, in order (the rounding model, `AttentionHeads+GradientErrorModel`,
  // bounds any order); the `1/√E` multiplies each finished sum, as the loops applied it.

  /// Rows of `qkv` are examples of `[T, 3D]`; rows of `weights` their `[H, T, T]` attention
  /// weights (written), rows of `y` their `[T, D]` outputs.
  static func forward<S: TrainScalar>(
    qkv: UnsafeMatrix<S>, tokens t: Int, heads: Int, headWidth e: Int, weights: UnsafeMatrix<S>, into y: UnsafeMatrix<S>
  ) {
    let d = heads * e
    let scale = 1 / S(e).squareRoot()
    withUnsafeTemporaryAllocation(of: S.self, capacity: t * e) { buffer in
      let scratch = buffer.baseAddress!
      for b in 0..<qkv.rows {
        let example = qkv.row(b)
        for h in 0..<heads {
          let (q, k, v) = (example + h * e, example + d + h * e, example + 2 * d + h * e)
          let a = weights.row(b) + h * t * t
          // S = Q Kᵀ / √E.
          SmallProducts.multiply(transposeA: false, transposeB: true, m: t, n: t, k: e, alpha: scale, a: q, lda: 3 * d, b: k, ldb: 3 * d,
                                 c: a, ldc: t, scratch: scratch)
          Softmax.forward(z: UnsafeMatrix(a, rows: t, columns: t), into: UnsafeMatrix(a, rows: t, columns: t))
          // O = A V.
          SmallProducts.multiply(transposeA: false, transposeB: false, m: t, n: e, k: t, alpha: 1, a: a, lda: t, b: v, ldb: 3 * d,
                                 c: y.row(b) + h * e, ldc: d, scratch: scratch)
        }
      }
    }
  }

  /// The three rules per example and head, written into the query, key and value columns of `dx`.
  static func backward<S: TrainScalar>(
    qkv: UnsafeMatrix<S>, tokens t: Int, heads: Int, headWidth e: Int, weights: UnsafeMatrix<S>,
    outputGradient dy: UnsafeMatrix<S>, into dx: UnsafeMatrix<S>
  ) {
    let d = heads * e
    let scale = 1 / S(e).squareRoot()
    withUnsafeTemporaryAllocation(of: S.self, capacity: t * t + t * e) { buffer in
      let (ds, scratch) = (buffer.baseAddress!, buffer.baseAddress! + t * t)
      let grid = UnsafeMatrix(ds, rows: t, columns: t)
      for b in 0..<qkv.rows {
        let (example, gradient, upstream) = (qkv.row(b), dx.row(b), dy.row(b))
        for h in 0..<heads {
          let (q, k, v) = (example + h * e, example + d + h * e, example + 2 * d + h * e)
          let (dq, dk, dv) = (gradient + h * e, gradient + d + h * e, gradient + 2 * d + h * e)
          let a = weights.row(b) + h * t * t
          let dO = upstream + h * e
          // dA = dO Vᵀ.
          SmallProducts.multiply(transposeA: false, transposeB: true, m: t, n: t, k: e, alpha: 1, a: dO, lda: d, b: v, ldb: 3 * d,
                                 c: ds, ldc: t, scratch: scratch)
          // vjp V = Aᵀ dO.
          SmallProducts.multiply(transposeA: true, transposeB: false, m: t, n: e, k: t, alpha: 1, a: a, lda: t, b: dO, ldb: d,
                                 c: dv, ldc: 3 * d, scratch: scratch)
          // dS = A ∘ (dA - rowsum(A ∘ dA)): the softmax rule, in place.
          Softmax.backward(output: UnsafeMatrix(a, rows: t, columns: t), outputGradient: grid, into: grid)
          // vjp Q = dS K / √E.
          SmallProducts.multiply(transposeA: false, transposeB: false, m: t, n: e, k: t, alpha: scale, a: ds, lda: t, b: k, ldb: 3 * d,
                                 c: dq, ldc: 3 * d, scratch: scratch)
          // vjp K = dSᵀ Q / √E.
          SmallProducts.multiply(transposeA: true, transposeB: false, m: t, n: e, k: t, alpha: scale, a: ds, lda: t, b: q, ldb: 3 * d,
                                 c: dk, ldc: 3 * d, scratch: scratch)
        }
      }
    }
  }

  // MARK: - Rules on explicit operands

  /// `Q`, `K`, `V` (and `dy`) as `[T, H, E]` for one example or `[B, T, H, E]`, packed into the
  /// layer's `[B, T 3D]` rows.
  private static func pack<S: TrainScalar>(_ operands: [String: Tensor<S>], names: [String]) throws -> (rows: Tensor<S>, shape: [Int]) {
    func fail(_ reason: String) -> TrainingError { .badOperands(block: certifiedBlock, reason: reason) }
    var shape: [Int]?
    var parts: [Tensor<S>] = []
    for name in names {
      guard let x = operands[name] else {
        throw fail("missing operand '\(name)' (given: \(operands.keys.sorted().joined(separator: ", ")))")
      }
      guard x.shape.count == 3 || x.shape.count == 4 else { throw fail("'\(name)' has shape \(x.shape); expected [T, H, E] or [B, T, H, E]") }
      if let shape, shape != x.shape { throw fail("'\(name)' has shape \(x.shape); expected \(shape) like '\(names[0])'") }
      shape = x.shape
      parts.append(x)
    }
    let s = shape!
    let (b, t, d) = s.count == 3 ? (1, s[0], s[1] * s[2]) : (s[0], s[1], s[2] * s[3])
    var rows = [S](repeating: 0, count: b * t * names.count * d)
    for (p, part) in parts.enumerated() {
      let values = part.scalars
      for r in 0..<(b * t) {
        for c in 0..<d { rows[(r * names.count + p) * d + c] = values[r * d + c] }
      }
    }
    return (Tensor(shape: [b, t * names.count * d], scalars: rows), s)
  }

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    var (x, shape) = try pack(operands, names: operandNames)
    let (t, h, e) = (shape[shape.count - 3], shape[shape.count - 2], shape[shape.count - 1])
    var a = Tensor<S>(zeros: [x.shape[0], h * t * t])
    var y = Tensor<S>(zeros: [x.shape[0], t * h * e])
    x.withMatrix { x in a.withMatrix { a in y.withMatrix { y in forward(qkv: x, tokens: t, heads: h, headWidth: e, weights: a, into: y) } } }
    return y.reshaped(shape)
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    var (x, shape) = try pack(operands, names: operandNames)
    var (dy, upstreamShape) = try pack(operands, names: ["dy"])
    guard upstreamShape == shape else {
      throw TrainingError.badOperands(block: certifiedBlock, reason: "'dy' has shape \(upstreamShape); expected \(shape) like 'Q'")
    }
    let (t, h, e) = (shape[shape.count - 3], shape[shape.count - 2], shape[shape.count - 1])
    let d = h * e
    var a = Tensor<S>(zeros: [x.shape[0], h * t * t])
    var y = Tensor<S>(zeros: [x.shape[0], t * d])
    var dx = Tensor<S>(zeros: x.shape)
    x.withMatrix { x in
      a.withMatrix { a in
        y.withMatrix { y in forward(qkv: x, tokens: t, heads: h, headWidth: e, weights: a, into: y) }
        dy.withMatrix { dy in
          dx.withMatrix { dx in
            backward(qkv: x, tokens: t, heads: h, headWidth: e, weights: a, outputGradient: dy, into: dx)
          }
        }
      }
    }
    // Unpack the query, key and value columns of each token.
    let values = dx.scalars
    var result: [String: Tensor<S>] = [:]
    for (p, rule) in ruleNames.enumerated() {
      var part = [S](repeating: 0, count: values.count / 3)
      for r in 0..<(part.count / d) {
        for c in 0..<d { part[r * d + c] = values[(r * 3 + p) * d + c] }
      }
      result[rule] = Tensor(shape: shape, scalars: part)
    }
    return result
  }
}

/// `C = alpha · op(A) op(B)` for the attention's per-head products (`[T, E]` and `[T, T]` blocks,
/// 16 × 16 in the ViT), in loops instead of BLAS: a `gemm` call that small spends most of its time
/// packing its operands and on the call itself, and the ViT makes about 6,000 of them a step.
///
/// Row `i` of `C` is summed as `Σ_p op(A)[i, p] · op(B)[p, ·]`, `p` in order, into a row that the
/// innermost loop runs along (contiguous in `op(B)`, so it runs eight entries per instruction);
/// `op(B) = Bᵀ` is first copied transposed into `scratch` (`k n` scalars). Each entry is one sum
/// of `k` products, added in order, and `alpha` multiplies the finished sum, as BLAS applies it:
/// the rounding model of `AttentionHeads+GradientErrorModel` (any order) holds.
enum SmallProducts {
  /// `A` is `m × k` (`k × m` when `transposeA`), `B` is `k × n` (`n × k` when `transposeB`), row
  /// major with leading dimensions `lda`, `ldb`; `C` is `m × n` with `ldc`, overwritten.
  @inline(__always)
  static func multiply<S: TrainScalar>(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: S,
    a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, ldb: Int, c: UnsafeMutablePointer<S>, ldc: Int,
    scratch: UnsafeMutablePointer<S>
  ) {
    var (rows, rowStride) = (b, ldb)
    if transposeB {
      // op(B)[p, j] = B[j, p], copied into a k × n block.
      for j in 0..<n {
        let source = b + j * ldb
        for p in 0..<k { scratch[p * n + j] = source[p] }
      }
      (rows, rowStride) = (UnsafePointer(scratch), n)
    }
    let (aRow, aColumn) = transposeA ? (1, lda) : (lda, 1)
    for i in 0..<m {
      let out = c + i * ldc
      for j in 0..<n { out[j] = 0 }
      for p in 0..<k {
        let s = a[i * aRow + p * aColumn]
        let row = rows + p * rowStride
        for j in 0..<n { out[j] += s * row[j] }
      }
      if alpha != 1 {
        for j in 0..<n { out[j] = alpha * out[j] }
      }
    }
  }
}
