/// Layer normalization of each token's features, certified block `layernorm`
/// (`Theorems/transformer.thm`), with a learned scale `g` and shift `b`:
///
///     mu = (1/n) sum_j x[t, j]    var = (1/n) sum_j (x[t, j] - mu)²    r = (var + eps)^(-1/2)
///     xhat = (x - mu) r           y = g xhat + b
///     vjp x = r (g dy - mean(g dy) - xhat mean(g dy xhat))
///     vjp g = sum_t dy xhat       vjp b = sum_t dy
///
/// Its input is `[T, n]` tokens or an `[n]` vector (one token); a batch is `[B T, n]` rows.
/// `eps = 1e-5` (PyTorch's default), so `eps > 0`, the block's assumption, holds. The forward pass
/// keeps `xhat` and `r` for the backward pass. The sums over a token's features are `LaneSums`
/// (eight partial sums, then added pairwise).
public final class LayerNorm: LayerKernels {
  public static let certifiedBlock = "layernorm"
  public static let ruleNames = ["layernorm.x", "layernorm.g", "layernorm.b"]
  public static let operandNames = ["x", "g", "b", "eps"]
  public static let epsilon: Float = 1e-5

  public let name: String
  public let inputShape: [Int]
  public var outputShape: [Int] { inputShape }
  public var inputWidth: Int { tokens * features }
  public var outputWidth: Int { inputWidth }
  /// `g`, shape `[n]`, starting at 1.
  public let scale: Parameter
  /// `b`, shape `[n]`, starting at 0.
  public let shift: Parameter
  public var parameters: [Parameter] { [scale, shift] }

  let tokens: Int
  let features: Int
  private var output: Workspace<Float>
  private var inputGradient: Workspace<Float>
  private var normalized: Workspace<Float>
  private var inverseDeviation: [Float] = []
  /// Each thread's part of `dg` and `db`, kept between steps.
  private var partSums: [Float] = []
  private var lastRows = -1

  /// A layer norm over the last axis of `input` (`[T, n]` or `[n]`).
  public init(name: String, input: [Int]) {
    precondition(input.count == 1 || input.count == 2, "layernorm takes [n] or [T, n]")
    self.name = name
    inputShape = input
    (tokens, features) = input.count == 2 ? (input[0], input[1]) : (1, input[0])
    scale = Parameter(name: name + ".g", rule: "layernorm.g", shape: [features])
    shift = Parameter(name: name + ".b", rule: "layernorm.b", shape: [features])
    scale.value = Tensor(shape: [features], repeating: 1)
    output = Workspace(columns: tokens * features)
    inputGradient = Workspace(columns: tokens * features)
    normalized = Workspace(columns: tokens * features)
  }

  package func reserve(batchCapacity: Int) {
    output.reserve(rows: batchCapacity)
    inputGradient.reserve(rows: batchCapacity)
    normalized.reserve(rows: batchCapacity)
    inverseDeviation = [Float](repeating: 0, count: batchCapacity * tokens)
  }

  /// A `[B, T n]` batch viewed as its `[B T, n]` tokens.
  private func tokenRows(_ m: UnsafeMatrix<Float>) -> UnsafeMatrix<Float> {
    UnsafeMatrix(m.base, rows: m.rows * tokens, columns: features)
  }

  package func forward(_ input: UnsafeMatrix<Float>, training: Bool) -> UnsafeMatrix<Float> {
    let y = output.matrix(rows: input.rows)
    let xhat = normalized.matrix(rows: input.rows)
    let (x, h, out, t) = (tokenRows(input), tokenRows(xhat), tokenRows(y), tokens)
    scale.value.withUnsafeBufferPointer { g in
      shift.value.withUnsafeBufferPointer { b in
        inverseDeviation.withUnsafeMutableBufferPointer { r in
          // Each part normalizes its own examples' tokens.
          BatchParallel.forEachPart(batch: input.rows, work: 4 * input.count) { examples in
            let part = (examples.lowerBound * t)..<(examples.upperBound * t)
            LayerNorm.forward(x: x.slice(rows: part), scale: g.baseAddress!, shift: b.baseAddress!, epsilon: Self.epsilon,
                              normalized: h.slice(rows: part), inverseDeviation: r.baseAddress! + part.lowerBound, into: out.slice(rows: part))
          }
        }
      }
    }
    lastRows = input.rows
    return y
  }

  package func backward(_ outputGradient: UnsafeMatrix<Float>, needsInputGradient: Bool) -> UnsafeMatrix<Float>? {
    checkForward(rows: lastRows, for: outputGradient)
    let xhat = tokenRows(normalized.matrix(rows: lastRows))
    let dx = needsInputGradient ? tokenRows(inputGradient.matrix(rows: lastRows)) : nil
    let dy = tokenRows(outputGradient)
    let n = features
    let parts = BatchParallel.partCount(batch: lastRows, work: 4 * outputGradient.count)
    // Each part sums `dg` and `db` over its own tokens into a slot of its own; the slots are then
    // added in part order, so the result does not depend on the threads' timing.
    if partSums.count < 2 * n * parts { partSums = [Float](repeating: 0, count: 2 * n * parts) }
    scale.value.withUnsafeBufferPointer { g in
      inverseDeviation.withUnsafeBufferPointer { r in
        partSums.withUnsafeMutableBufferPointer { sums in
          BatchParallel.forEachPart(batch: lastRows, parts: parts) { part, examples in
            let rows = (examples.lowerBound * tokens)..<(examples.upperBound * tokens)
            LayerNorm.backward(
              normalized: xhat.slice(rows: rows), inverseDeviation: r.baseAddress! + rows.lowerBound, scale: g.baseAddress!,
              outputGradient: dy.slice(rows: rows), scaleGradient: sums.baseAddress! + 2 * n * part,
              shiftGradient: sums.baseAddress! + 2 * n * part + n, inputGradient: dx?.slice(rows: rows))
          }
        }
      }
    }
    for (parameter, offset) in [(scale, 0), (shift, n)] {
      let accumulate = parameter.accumulatesGradient
      parameter.gradient.withUnsafeMutableBufferPointer { d in
        for i in 0..<n {
          var total: Float = accumulate ? d[i] : 0
          for part in 0..<parts { total += partSums[2 * n * part + offset + i] }
          d[i] = total
        }
      }
    }
    return dx.map { UnsafeMatrix($0.base, rows: lastRows, columns: inputWidth) }
  }

  // MARK: - Kernels

  /// Per row of `x` (a token): `xhat = (x - mu) r`, `y = g xhat + b`; `xhat` and `r` are kept.
  static func forward<S: TrainScalar>(
    x: UnsafeMatrix<S>, scale g: UnsafePointer<S>, shift b: UnsafePointer<S>, epsilon: S,
    normalized xhat: UnsafeMatrix<S>, inverseDeviation r: UnsafeMutablePointer<S>, into y: UnsafeMatrix<S>
  ) {
    let n = x.columns
    let inverseCount = 1 / S(n)
    for row in 0..<x.rows {
      let (xs, hs, ys) = (x.row(row), xhat.row(row), y.row(row))
      let mu = LaneSums.sum(n) { xs[$0] } * inverseCount
      let squares = LaneSums.sum(n) { let d = xs[$0] - mu; return d * d }
      let rr = 1 / (squares * inverseCount + epsilon).squareRoot()
      r[row] = rr
      for i in 0..<n {
        let h = (xs[i] - mu) * rr
        hs[i] = h
        ys[i] = g[i] * h + b[i]
      }
    }
  }

  /// `dg = sum dy xhat`, `db = sum dy` over every row, and per row
  /// `dx = r (g dy - mean(g dy) - xhat mean(g dy xhat))` when `inputGradient` is given.
  static func backward<S: TrainScalar>(
    normalized xhat: UnsafeMatrix<S>, inverseDeviation r: UnsafePointer<S>, scale g: UnsafePointer<S>, outputGradient dy: UnsafeMatrix<S>,
    scaleGradient dg: UnsafeMutablePointer<S>, shiftGradient db: UnsafeMutablePointer<S>, inputGradient dx: UnsafeMatrix<S>?,
    accumulateScale: Bool = false, accumulateShift: Bool = false
  ) {
    let n = xhat.columns
    if !accumulateScale { dg.update(repeating: 0, count: n) }
    if !accumulateShift { db.update(repeating: 0, count: n) }
    let inverseCount = 1 / S(n)
    for row in 0..<xhat.rows {
      let (hs, ds) = (xhat.row(row), dy.row(row))
      for i in 0..<n {
        dg[i] += ds[i] * hs[i]
        db[i] += ds[i]
      }
      guard let dx else { continue }
      let meanGD = LaneSums.sum(n) { g[$0] * ds[$0] } * inverseCount
      let meanGDH = LaneSums.sum(n) { g[$0] * ds[$0] * hs[$0] } * inverseCount
      let out = dx.row(row)
      for i in 0..<n { out[i] = r[row] * (g[i] * ds[i] - meanGD - hs[i] * meanGDH) }
    }
  }

  // MARK: - Rules on explicit operands

  /// `eps` is an operand (shape `[]`), `LayerNorm.epsilon` when absent.
  private static func epsilon<S: TrainScalar>(_ operands: [String: Tensor<S>]) -> S {
    operands["eps"]?.scalars.first ?? S(epsilon)
  }

  public static func forward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> Tensor<S> {
    var reader = TokenOperandReader(block: certifiedBlock, operands)
    var x = try reader.tokens("x")
    let n = x.shape[1]
    var g = try reader.parameter("g", shape: [n])
    var b = try reader.parameter("b", shape: [n])
    var (y, xhat, r) = (Tensor<S>(zeros: x.shape), Tensor<S>(zeros: x.shape), Tensor<S>(zeros: [x.shape[0]]))
    x.withMatrix { x in
      g.withMatrix { g in
        b.withMatrix { b in
          xhat.withMatrix { xhat in
            r.withMatrix { r in
              y.withMatrix { y in
                forward(x: x, scale: g.base, shift: b.base, epsilon: epsilon(operands), normalized: xhat, inverseDeviation: r.base, into: y)
              }
            }
          }
        }
      }
    }
    return reader.shaped(y)
  }

  public static func backward<S: TrainScalar>(_ operands: [String: Tensor<S>]) throws -> [String: Tensor<S>] {
    var reader = TokenOperandReader(block: certifiedBlock, operands)
    var x = try reader.tokens("x")
    let n = x.shape[1]
    var g = try reader.parameter("g", shape: [n])
    var b = try reader.parameter("b", shape: [n])
    var dy = try reader.tokens("dy", features: n)
    var (y, xhat, r) = (Tensor<S>(zeros: x.shape), Tensor<S>(zeros: x.shape), Tensor<S>(zeros: [x.shape[0]]))
    var (dx, dg, db) = (Tensor<S>(zeros: x.shape), Tensor<S>(zeros: [n]), Tensor<S>(zeros: [n]))
    x.withMatrix { x in
      g.withMatrix { g in
        b.withMatrix { b in
          xhat.withMatrix { xhat in
            r.withMatrix { r in
              y.withMatrix { y in
                forward(x: x, scale: g.base, shift: b.base, epsilon: epsilon(operands), normalized: xhat, inverseDeviation: r.base, into: y)
              }
              dy.withMatrix { dy in
                dx.withMatrix { dx in
                  dg.withMatrix { dg in
                    db.withMatrix { db in
                      backward(normalized: xhat, inverseDeviation: r.base, scale: g.base, outputGradient: dy,
                               scaleGradient: dg.base, shiftGradient: db.base, inputGradient: dx)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return [ruleNames[0]: reader.shaped(dx), ruleNames[1]: dg, ruleNames[2]: db]
  }
}

/// Sums of a row's terms in eight interleaved partial sums, for the kernels' short reductions
/// (layer norm's means and variances over a token's features).
///
/// A plain `for` loop adding into one accumulator is a chain of dependent additions the compiler
/// must keep in order (Float addition is not associative), so it runs one addition per adder
/// latency. Eight independent partial sums, lane `l` summing terms `l, l + 8, l + 16, ...` in
/// order, are added in one vector instruction per eight terms; the lanes are then added pairwise,
/// `((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))`, and the terms past the last whole group of
/// eight are added in order after. It is a fixed order that depends only on the count, so results
/// stay the same bit for bit run to run; each term still passes through at most `count` additions,
/// which is what the audits' rounding models (`γ_n`) assume of a sum of `n` terms.
enum LaneSums {
  @inline(__always) static func sum<S: TrainScalar>(_ count: Int, _ term: (Int) -> S) -> S {
    var (s0, s1, s2, s3, s4, s5, s6, s7): (S, S, S, S, S, S, S, S) = (0, 0, 0, 0, 0, 0, 0, 0)
    let whole = count & ~7
    var i = 0
    while i < whole {
      s0 += term(i); s1 += term(i + 1); s2 += term(i + 2); s3 += term(i + 3)
      s4 += term(i + 4); s5 += term(i + 5); s6 += term(i + 6); s7 += term(i + 7)
      i += 8
    }
    var total = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    while i < count {
      total += term(i)
      i += 1
    }
    return total
  }
}
