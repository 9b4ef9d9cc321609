// Trains a model whose activation is a formula layer defined in this package's own spec, and writes
// a checkpoint: the training library as a user's package reaches it (`import Train` only).
//
//   swift run TrainWithFormulaLayer [--spec Models/softplus_mlp.spec] [--out softplus.ckpt]
//                                   [--examples N] [--epochs E]
//
// Exits 1 with a message on any failure, including a model that learnt nothing: the run is also a
// contract test of the library's public API (scripts/run-examples).
import Foundation
import Train

struct Options {
  var spec = "Models/softplus_mlp.spec"
  var out = "softplus.ckpt"
  var examples = 6_000
  var epochs = 2

  init(_ arguments: [String]) throws {
    var rest = arguments[...]
    while let flag = rest.popFirst() {
      guard let value = rest.popFirst() else { throw ExampleError("\(flag) needs a value") }
      switch flag {
      case "--spec": spec = value
      case "--out": out = value
      case "--examples": examples = try Self.positive(value, flag)
      case "--epochs": epochs = try Self.positive(value, flag)
      default: throw ExampleError("unknown option \(flag)")
      }
    }
  }

  static func positive(_ text: String, _ flag: String) throws -> Int {
    guard let n = Int(text), n > 0 else { throw ExampleError("\(flag) takes a positive integer, not '\(text)'") }
    return n
  }
}

struct ExampleError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

func run() throws {
  let options = try Options(Array(CommandLine.arguments.dropFirst()))
  // The formula layer's rule is derived and proved when the model is built; the built-in store
  // holds the certificates of the library's own layers (dense, the loss).
  let model = try Sequential(ModelSpec(contentsOf: options.spec), seed: 1, certificates: .builtIn)
  print("certified rules: \(model.certificateHashes.keys.sorted().joined(separator: ", "))")

  let train = try FashionMNIST.load(.train).prefix(options.examples)
  let test = try FashionMNIST.load(.test).prefix(2_000)
  let configuration = TrainingConfiguration(
    epochs: options.epochs, batchSize: 64, learningRate: 0.05, optimizer: .sgd(momentum: 0.9), seed: 1)
  let report = try Trainer(configuration).train(model, on: train, test: test)
  for epoch in report.epochs {
    print("epoch \(epoch.epoch): loss \(epoch.loss), test accuracy \(epoch.testAccuracy ?? .nan)")
  }
  let accuracy = Trainer.evaluate(model, on: test).accuracy
  // Ten classes: chance is 10%. A model that trained on a few thousand images is far above it.
  guard accuracy > 0.6 else { throw ExampleError("test accuracy \(accuracy) after training: the model did not learn") }
  try Checkpoint(model: model, training: .init(configuration, testAccuracy: accuracy)).write(to: options.out)
  print("wrote \(options.out) (test accuracy \(accuracy))")
}

do {
  try run()
} catch {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(1)
}
