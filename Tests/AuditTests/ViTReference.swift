import Audit
import Exact
import Intervals
import Train

/// A value and its derivative along one direction in the parameters, each enclosed in MPFI at
/// 512 bits: forward-mode differentiation through transcendental functions (exp, erf, tanh, square
/// roots), where `Dual` over `Rational` cannot go.
struct IntervalDual {
  static let precision = 512
  var v: Interval
  var t: Interval

  init(_ v: Interval, _ t: Interval) {
    self.v = v
    self.t = t
  }

  init(_ v: Rational, _ t: Rational = Rational(0)) {
    self.init(Interval(v, precision: Self.precision), Interval(t, precision: Self.precision))
  }

  static let zero = IntervalDual(Rational(0))
  static func + (a: IntervalDual, b: IntervalDual) -> IntervalDual { IntervalDual(a.v + b.v, a.t + b.t) }
  static func - (a: IntervalDual, b: IntervalDual) -> IntervalDual { IntervalDual(a.v - b.v, a.t - b.t) }
  static func * (a: IntervalDual, b: IntervalDual) -> IntervalDual { IntervalDual(a.v * b.v, a.v * b.t + a.t * b.v) }
  func scaled(_ r: Rational) -> IntervalDual { IntervalDual(v * r, t * r) }

  var exp: IntervalDual {
    let e = Interval.exp(v)
    return IntervalDual(e, e * t)
  }

  func log() throws -> IntervalDual { IntervalDual(try Interval.log(v), t / v) }

  func reciprocal() throws -> IntervalDual {
    let r = try v.reciprocal()
    return IntervalDual(r, Interval(0, precision: Self.precision) - t * r * r)
  }

  /// `v^(-1/2)`, derivative `-(1/2) v^(-3/2)`.
  func reciprocalSquareRoot() throws -> IntervalDual {
    let r = try Interval.sqrt(v).reciprocal()
    return IntervalDual(r, Interval(0, precision: Self.precision) - t * r * r * r / Rational(2))
  }

  /// `x Φ(x)`, `Φ(x) = (1 + erf(x / √2)) / 2`; derivative `Φ(x) + x e^(-x²/2) / √(2π)`.
  func gelu() throws -> IntervalDual {
    let p = Self.precision
    let root2 = try Interval.sqrt(Interval(2, precision: p))
    let phi = (Interval.erf(v / root2) + Rational(1)) / Rational(2)
    let density = Interval.exp(Interval(0, precision: p) - v * v / Rational(2)) / (try Interval.sqrt(Interval.pi(precision: p) * Rational(2)))
    return IntervalDual(v * phi, (phi + v * density) * t)
  }

  /// `(x/2)(1 + tanh(√(2/π)(x + 0.044715 x³)))`, by the chain rule through tanh.
  func geluTanh() throws -> IntervalDual {
    let c = IntervalDual(try Interval.sqrt(Interval(2, precision: Self.precision) / Interval.pi(precision: Self.precision)), Interval(0, precision: Self.precision))
    let u = c * (self + (self * self * self).scaled(Rational(44715, 1_000_000)))
    let th = Interval.tanh(u.v)
    let tanh = IntervalDual(th, (Rational(1) - th * th) * u.t)
    return (self * (tanh + IntervalDual(Rational(1)))).scaled(Rational(1, 2))
  }
}

/// The batch-mean softmax cross-entropy of a transformer-shaped `model` on `batch`, evaluated from
/// the layers' mathematical definitions (written here, independently of the certified rules and
/// of the audit's plans), with `direction` (per parameter, per entry) as the tangent: `.t` encloses
/// the derivative of the loss along it.
///
/// Layouts are the trainer's: an image `[C, H, W]` row-major; tokens `[T, n]` token-major; patch
/// `(p, q)` is token `p GW + q`; attention's input row holds each token's Q, K, V side by side, head
/// `h`'s feature `e` at `h E + e` within each.
func vitLoss(_ model: Sequential, _ batch: GradientBatch, direction: [[Rational]]) throws -> IntervalDual {
  let spec = model.spec
  let shapes = [spec.inputShape] + spec.shapes
  var parameters: [[IntervalDual]] = []
  for (p, parameter) in model.parameters.enumerated() {
    parameters.append(parameter.value.scalars.enumerated().map { k, x in IntervalDual(floatValue(x), direction[p][k]) })
  }
  var total = IntervalDual.zero
  for b in 0..<batch.count {
    var values = [batch.features[(b * batch.width)..<((b + 1) * batch.width)].map { IntervalDual(floatValue($0)) }]
    var next = 0
    for (k, layer) in spec.layers.enumerated() {
      let count = model.layers[k].parameters.count
      let own = Array(parameters[next..<(next + count)])
      next += count
      let reads = spec.sources(of: k)
      let x = values[reads[0]], shape = shapes[reads[0]]
      values.append(try referenceLayer(layer, x, shape, own, other: reads.count > 1 ? values[reads[1]] : nil))
    }
    let z = values.last!
    var sum = IntervalDual.zero
    for zi in z { sum = sum + zi.exp }
    total = total + (try sum.log()) - z[Int(batch.labels[b])]
  }
  return total.scaled(Rational(1, batch.count))
}

private func referenceLayer(_ layer: LayerSpec, _ x: [IntervalDual], _ shape: [Int], _ p: [[IntervalDual]], other: [IntervalDual]?) throws -> [IntervalDual] {
  switch layer {
  case .add: return zip(x, other!).map { $0 + $1 }
  case let .patchEmbed(units, patch):
    let (c, h, w) = (shape[0], shape[1], shape[2])
    let (rows, columns) = (h / patch, w / patch)
    var y: [IntervalDual] = []
    for r in 0..<rows {
      for s in 0..<columns {
        for d in 0..<units {
          var sum = p[1][d]
          for ci in 0..<c {
            for u in 0..<patch {
              for v in 0..<patch {
                sum = sum + p[0][((d * c + ci) * patch + u) * patch + v] * x[(ci * h + r * patch + u) * w + s * patch + v]
              }
            }
          }
          y.append(sum)
        }
      }
    }
    return y
  case .positionEmbedding: return zip(x, p[0]).map { $0 + $1 }
  case .denseTokens(let units):
    let (tokens, features) = (shape[0], shape[1])
    return (0..<tokens).flatMap { t in
      (0..<units).map { o in (0..<features).reduce(p[1][o]) { $0 + p[0][o * features + $1] * x[t * features + $1] } }
    }
  case .dense(let units):
    return (0..<units).map { o in x.indices.reduce(p[1][o]) { $0 + p[0][o * x.count + $1] * x[$1] } }
  case .layernorm:
    let n = shape.last!, tokens = x.count / n
    let eps = IntervalDual(floatValue(LayerNorm.epsilon))
    var y: [IntervalDual] = []
    for t in 0..<tokens {
      let row = Array(x[(t * n)..<((t + 1) * n)])
      let mean = row.reduce(IntervalDual.zero, +).scaled(Rational(1, n))
      let variance = row.reduce(IntervalDual.zero) { $0 + ($1 - mean) * ($1 - mean) }.scaled(Rational(1, n))
      let r = try (variance + eps).reciprocalSquareRoot()
      for i in 0..<n { y.append(p[0][i] * (row[i] - mean) * r + p[1][i]) }
    }
    return y
  case .softmax:
    let n = shape.last!, tokens = x.count / n
    return try (0..<tokens).flatMap { t in
      let e = x[(t * n)..<((t + 1) * n)].map(\.exp)
      let inverse = try e.reduce(IntervalDual.zero, +).reciprocal()
      return e.map { $0 * inverse }
    }
  case .gelu: return try x.map { try $0.gelu() }
  case .geluTanh: return try x.map { try $0.geluTanh() }
  case .attentionHeads(let heads):
    let (tokens, width) = (shape[0], shape[1] / 3)
    let e = width / heads
    let scale = try IntervalDual(Rational(e)).reciprocalSquareRoot()
    var y = Array(repeating: IntervalDual.zero, count: tokens * width)
    for h in 0..<heads {
      func q(_ t: Int, _ c: Int) -> IntervalDual { x[t * 3 * width + h * e + c] }
      func k(_ t: Int, _ c: Int) -> IntervalDual { x[t * 3 * width + width + h * e + c] }
      func v(_ t: Int, _ c: Int) -> IntervalDual { x[t * 3 * width + 2 * width + h * e + c] }
      for t in 0..<tokens {
        let scores = (0..<tokens).map { s in (0..<e).reduce(IntervalDual.zero) { $0 + q(t, $1) * k(s, $1) } * scale }
        let weights = scores.map(\.exp)
        let inverse = try weights.reduce(IntervalDual.zero, +).reciprocal()
        for c in 0..<e {
          y[t * width + h * e + c] = (0..<tokens).reduce(IntervalDual.zero) { $0 + weights[$1] * inverse * v($1, c) }
        }
      }
    }
    return y
  case .tokenMeanpool:
    let (tokens, width) = (shape[0], shape[1])
    return (0..<width).map { d in (0..<tokens).reduce(IntervalDual.zero) { $0 + x[$1 * width + d] }.scaled(Rational(1, tokens)) }
  default:
    fatalError("vitLoss: no definition of \(layer.text)")
  }
}

/// The rational value of a finite Float32.
private func floatValue(_ x: Float) -> Rational { try! Rational(exactly: Double(x)) }
