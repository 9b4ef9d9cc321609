import Testing
@testable import Train

/// `f(w) = 1/2 sum(i) a[i] (w[i] - c[i])^2`, gradient `a * (w - c)`: a badly scaled quadratic.
private struct Quadratic {
  let curvature: [Float] = [1, 4, 0.25, 2]
  let minimum: [Float] = [3, -1, 0.5, 2]

  /// Writes the gradient, or adds it when the parameter accumulates (as `backward` does).
  func setGradient(_ parameter: Parameter) {
    let w = parameter.value.scalars
    let g = (0..<4).map { curvature[$0] * (w[$0] - minimum[$0]) }
    let base = parameter.accumulatesGradient ? parameter.gradient.scalars : [0, 0, 0, 0]
    parameter.gradient = Tensor(shape: [4], scalars: zip(base, g).map(+))
  }

  func distance(_ parameter: Parameter) -> Float {
    zip(parameter.value.scalars, minimum).map { abs($0 - $1) }.max()!
  }
}

@Suite("Optimizers on a quadratic")
struct OptimizerTests {
  @Test(arguments: [(0, false), (0.9, false), (0.9, true)] as [(Float, Bool)])
  func sgdConverges(momentum: Float, fused: Bool) {
    let quadratic = Quadratic()
    let w = Parameter(name: "w", rule: "test.w", shape: [4])
    let sgd = SGD(parameters: [w], learningRate: 0.1, momentum: momentum, fused: fused)
    #expect(w.accumulatesGradient == fused)
    for _ in 0..<500 {
      quadratic.setGradient(w)
      sgd.step()
    }
    #expect(quadratic.distance(w) < 1e-4)
  }

  @Test func sgdStepIsTheHeavyBallFormula() {
    let w = Parameter(name: "w", rule: "test.w", shape: [1])
    let sgd = SGD(parameters: [w], learningRate: 0.5, momentum: 0.9)
    w.gradient = Tensor(shape: [1], scalars: [2])
    sgd.step()  // v = 2, w = -1
    #expect(w.value.scalars == [-1])
    sgd.step()  // v = 0.9 * 2 + 2 = 3.8, w = -1 - 1.9
    #expect(w.value.scalars == [-2.9])
  }

  /// Fused, the velocity lives in the gradient: backward adds g to μ v, the step leaves μ v.
  @Test func fusedSGDKeepsTheVelocityInTheGradient() {
    let w = Parameter(name: "w", rule: "test.w", shape: [1])
    let sgd = SGD(parameters: [w], learningRate: 0.5, momentum: 0.9, fused: true)
    w.gradient = Tensor(shape: [1], scalars: [w.gradient.scalars[0] + 2])  // backward adds g = 2
    sgd.step()
    #expect(w.value.scalars == [-1] && w.gradient.scalars == [Float(0.9) * 2])
    w.gradient = Tensor(shape: [1], scalars: [w.gradient.scalars[0] + 2])
    sgd.step()  // v = 3.8
    #expect(w.value.scalars == [-1 - 0.5 * (Float(0.9) * 2 + 2)])
  }

  /// Training with fused and plain SGD gives the same weights (up to the bias's summation order).
  @Test func fusedAndPlainSGDTrainAlike() throws {
    let data = try separableDataset(count: 256, features: 10, classes: 3, seed: 4)
    var finals: [[Tensor<Float>]] = []
    for fused in [false, true] {
      let model = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 10\ndense 8\nrelu\ndense 3\nloss softmax_cross_entropy"), seed: 4)
      let sgd = SGD(parameters: model.parameters, learningRate: 0.05, momentum: 0.9, fused: fused)
      var x = data.featureTensor
      for start in stride(from: 0, to: 256, by: 32) {
        var batch = Tensor(shape: [32, 10], scalars: Array(x.scalars[(start * 10)..<((start + 32) * 10)]))
        let labels = Array(data.labels[start..<(start + 32)])
        _ = labels.withUnsafeBufferPointer { l in batch.withMatrix { model.computeGradients($0, labels: l) } }
        sgd.step()
      }
      x = Tensor(zeros: [1])
      finals.append(model.parameters.map(\.value))
    }
    for (plain, fused) in zip(finals[0], finals[1]) { #expect(maxDifference(plain, fused) < 1e-6) }
  }

  @Test func adamConverges() {
    let quadratic = Quadratic()
    let w = Parameter(name: "w", rule: "test.w", shape: [4])
    let adam = Adam(parameters: [w], learningRate: 0.05)
    for _ in 0..<2000 {
      quadratic.setGradient(w)
      adam.step()
    }
    #expect(quadratic.distance(w) < 1e-3)
    #expect(adam.steps == 2000)
  }

  @Test func adamFirstStepMovesByTheLearningRate() {
    // With bias correction, the first step is lr * g / (|g| + eps): the learning rate, signed.
    let w = Parameter(name: "w", rule: "test.w", shape: [2])
    let adam = Adam(parameters: [w], learningRate: 0.01)
    w.gradient = Tensor(shape: [2], scalars: [3, -0.5])
    adam.step()
    #expect(abs(w.value.scalars[0] + 0.01) < 1e-7 && abs(w.value.scalars[1] - 0.01) < 1e-7)
  }
}
