import Testing
@testable import Train

private let spec = "input 20\ndense 32\nrelu\ndense 4\nloss softmax_cross_entropy"

private func train(seed: UInt64, optimizer: OptimizerKind = .sgd(momentum: 0.9), spec text: String = spec) throws
  -> (Sequential, TrainingReport)
{
  let data = try separableDataset(count: 600, features: 20, classes: 4, seed: 100)
  let test = try separableDataset(count: 200, features: 20, classes: 4, seed: 100).prefix(200)
  let model = Sequential(uncheckedSpec: try ModelSpec(parsing: text), seed: seed)
  let configuration = TrainingConfiguration(
    epochs: 3, batchSize: 32, learningRate: optimizer == .adam ? 0.01 : 0.05, optimizer: optimizer, seed: seed)
  return (model, try Trainer(configuration).train(model, on: data, test: test))
}

@Suite("Training")
struct TrainingTests {
  @Test(arguments: [OptimizerKind.sgd(momentum: 0.9), .adam])
  func separableDataIsLearned(optimizer: OptimizerKind) throws {
    let (_, report) = try train(seed: 1, optimizer: optimizer)
    #expect(report.epochs.count == 3)
    #expect(report.epochs.last!.testAccuracy! > 0.97)
    #expect(report.epochs.last!.loss < report.epochs.first!.loss)
    #expect(report.epochs.allSatisfy { $0.examplesPerSecond > 0 })
    #expect(report.kinks.keys.sorted() == ["relu1"])
  }

  @Test func otherLayersAndMSETrainToo() throws {
    let (_, report) = try train(seed: 2, spec: "input 20\ndense 16\ntanh\ndropout keep 0.9\ndense 8\nsigmoid\ndense 4\nloss mse")
    #expect(report.epochs.last!.testAccuracy! > 0.9)
  }

  @Test func theSameSeedGivesTheSameNumbers() throws {
    let (a, reportA) = try train(seed: 7, spec: "input 20\ndense 16\nrelu\ndropout keep 0.8\ndense 4\nloss softmax_cross_entropy")
    let (b, reportB) = try train(seed: 7, spec: "input 20\ndense 16\nrelu\ndropout keep 0.8\ndense 4\nloss softmax_cross_entropy")
    #expect(a.parameters.map(\.value) == b.parameters.map(\.value))
    #expect(reportA.epochs.map(\.loss) == reportB.epochs.map(\.loss))
    let (c, _) = try train(seed: 8, spec: "input 20\ndense 16\nrelu\ndropout keep 0.8\ndense 4\nloss softmax_cross_entropy")
    #expect(a.parameters.map(\.value) != c.parameters.map(\.value))
  }

  @Test func theJSONLine() throws {
    let report = TrainingReport(
      epochs: [EpochReport(epoch: 1, loss: 0.5, testAccuracy: 0.875, examplesPerSecond: 1000)],
      kinks: ["relu1": 3], peakResidentMegabytes: 12.5)
    #expect(report.json == #"{"epochs":[{"epoch":1,"examples_per_second":1000,"loss":0.5,"test_accuracy":0.875}],"kinks":{"relu1":3},"peak_rss_mb":12.5}"#)
    let noTest = TrainingReport(epochs: [EpochReport(epoch: 1, loss: 1, testAccuracy: nil, examplesPerSecond: 2)], kinks: [:], peakResidentMegabytes: 1)
    #expect(noTest.json.contains(#""test_accuracy":null"#))
  }

  @Test func dataMustFitTheModel() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: spec), seed: 1)
    let wide = try separableDataset(count: 10, features: 21, classes: 4, seed: 1)
    #expect(throws: TrainingError.mismatchedData("the data has 21 features per example but the model's input is 20")) {
      try Trainer(TrainingConfiguration(epochs: 1)).train(model, on: wide)
    }
    let fewer = try separableDataset(count: 10, features: 20, classes: 3, seed: 1)
    #expect(throws: TrainingError.mismatchedData("the data has 3 classes but the model has 4 outputs")) {
      try Trainer(TrainingConfiguration(epochs: 1)).train(model, on: fewer)
    }
  }

  @Test func badSettingsAndDivergenceAreReported() throws {
    let model = Sequential(uncheckedSpec: try ModelSpec(parsing: spec), seed: 1)
    let data = try separableDataset(count: 64, features: 20, classes: 4, seed: 1)
    #expect(throws: TrainingError.invalidConfiguration("the batch size must be at least 1, not 0")) {
      try Trainer(TrainingConfiguration(batchSize: 0)).train(model, on: data)
    }
    let linear = Sequential(uncheckedSpec: try ModelSpec(parsing: "input 20\ndense 4\nloss mse"), seed: 1)
    #expect {
      try Trainer(TrainingConfiguration(epochs: 1, batchSize: 8, learningRate: 1e30)).train(linear, on: data)
    } throws: { error in
      if case TrainingError.diverged = error { return true } else { return false }
    }
  }
}
