import Evaluation
import Exact
import ProofKernel
import Testing

/// Correct rules pass: 20 samples each, exact where every value is rational, enclosed elsewhere.
@Suite struct NumericCheckTests {
  let check = NumericCheck()

  @Test func gradientOfASumOfSquares() {
    let x = Layers.x
    let loss = sum("i", d("n"), pow(access(x, "i"), 2))
    let outcome = check.check(lhs: gradient(loss, x, at: "j"), rhs: q(2) * access(x, "j"))
    #expect(outcome.passedTrials == 20, "\(outcome)")
  }

  @Test func denseLayerVJPs() {
    let (W, x, b, dy) = (Layers.weights, Layers.input, Layers.bias, Layers.upstream)
    let rules: [(Term, Term)] = [
      (vjp(Layers.dense, x, dy, at: "i"), sum("o", d("O"), access(W, "o", "i") * access(dy, "o"))),
      (vjp(Layers.dense, W, dy, at: "o", "i"), access(dy, "o") * access(x, "i")),
      (vjp(Layers.dense, b, dy, at: "o"), access(dy, "o")),
    ]
    for (lhs, rhs) in rules {
      let outcome = check.check(lhs: lhs, rhs: rhs)
      #expect(outcome.passedTrials == 20, "\(lhs) = \(rhs): \(outcome)")
    }
  }

  @Test func reluVJP() {
    let (x, dy) = (Layers.x, Layers.dy)
    let outcome = check.check(
      lhs: vjp(Layers.elementwise(.relu), x, dy, at: "i"), rhs: apply(.step, access(x, "i")) * access(dy, "i"),
      hypotheses: [forall("k", "n", .nonZero(access(x, "k")))])
    #expect(outcome.passedTrials == 20, "\(outcome)")
  }

  @Test func sigmoidAndTanhVJPs() {
    let (x, dy) = (Layers.x, Layers.dy)
    let s = apply(.sigmoid, access(x, "k")), th = apply(.tanh, access(x, "k"))
    let sigmoid = check.check(lhs: vjp(Layers.elementwise(.sigmoid), x, dy, at: "k"), rhs: s * (q(1) - s) * access(dy, "k"))
    #expect(sigmoid.passedTrials == 20, "\(sigmoid)")
    let tanh = check.check(lhs: vjp(Layers.elementwise(.tanh), x, dy, at: "k"), rhs: (q(1) - pow(th, 2)) * access(dy, "k"))
    #expect(tanh.passedTrials == 20, "\(tanh)")
  }

  @Test func softmaxCrossEntropyGradient() {
    // Random targets rarely sum to 1: the sampler rescales (or shifts) t until they do.
    let outcome = check.check(
      lhs: gradient(Layers.crossEntropy, Layers.logits, at: "k"), rhs: Layers.crossEntropyGradient,
      hypotheses: [Layers.targetsSumToOne, inRange("k", "n")])
    #expect(outcome.passedTrials == 20, "\(outcome)")
  }

  @Test func softmaxCrossEntropyGradientAtAHandMadeSample() throws {
    let environment = Environment(
      dimensions: ["n": 3], indices: ["k": 1],
      tensors: ["z": values(0, 1, r(-1, 2)), "t": values(r(1, 4), r(3, 4), 0)])
    let trial = try check.trial(
      lhs: gradient(Layers.crossEntropy, Layers.logits, at: "k"), rhs: Layers.crossEntropyGradient,
      hypotheses: [Layers.targetsSumToOne, inRange("k", "n")], in: environment)
    guard case let .agreed(.enclosure(lhs), .enclosure(rhs)) = trial else {
      Issue.record("expected agreeing enclosures, got \(trial)")
      return
    }
    #expect(lhs.width < r(1, 1 << 62) && rhs.width < r(1, 1 << 62))
  }

  @Test func meanSquaredErrorGradient() {
    let outcome = check.check(
      lhs: gradient(Layers.meanSquaredError, Layers.x, at: "j"), rhs: Layers.meanSquaredErrorGradient(scale: 2))
    #expect(outcome.passedTrials == 20, "\(outcome)")
  }

  @Test func twoLayerNetworkGradients() {
    // grad_W2: g[o] * a1[h]; grad_b1: step(z1[h]) * sum(o: O) W2[o, h] * g[o], where z1 != 0.
    let loss = ref(Layers.loss)
    let w2 = check.check(lhs: gradient(loss, Layers.w2, at: "o", "h"), rhs: ref(Layers.g, "o") * ref(Layers.a1, "h"))
    #expect(w2.passedTrials == 20, "\(w2)")
    let b1 = check.check(
      lhs: gradient(loss, Layers.b1, at: "h"),
      rhs: apply(.step, ref(Layers.z1, "h")) * sum("o", d("O"), access(Layers.w2, "o", "h") * ref(Layers.g, "o")),
      hypotheses: [forall("k", "H", .nonZero(ref(Layers.z1, "k")))])
    #expect(b1.passedTrials == 20, "\(b1)")
  }

  @Test func kernelDerivativeTableAgreesWithDualNumbers() throws {
    // The kernel's jvp of f(x[i]^2 + 1/2 x[i]) (chain rule and table), against forward mode.
    let x = Layers.x
    for f in ScalarFunction.allCases {
      let argument = pow(access(x, "i"), 2) + q(1, 2) * access(x, "i")
      let theorem = try Theorem.jvp(derivative(apply(f, argument), x, along: Layers.dx))
      let outcome = check.check(lhs: theorem.lhs, rhs: theorem.rhs, hypotheses: theorem.hypotheses)
      #expect(outcome.passedTrials == 20, "\(f): \(theorem): \(outcome)")
    }
  }

  @Test func exponentialOfASumIsAProductWithIntervals() {
    let (a, b) = (tensor("a"), tensor("b"))
    let outcome = check.check(
      lhs: apply(.exp, access(a) + access(b)), rhs: apply(.exp, access(a)) * apply(.exp, access(b)))
    #expect(outcome.passedTrials == 20, "\(outcome)")
    let tanh = check.check(
      lhs: apply(.tanh, access(a)), rhs: q(2) * apply(.sigmoid, q(2) * access(a)) - q(1))
    #expect(tanh.passedTrials == 20, "\(tanh)")
  }
}
