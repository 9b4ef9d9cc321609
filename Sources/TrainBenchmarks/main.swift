// Times the trainer on Fashion-MNIST with the recipe of scripts/bench-train and prints the same
// JSON line as `certify train --json` (same library calls: Sequential, Trainer, FashionMNIST), so
// the benchmark does not depend on the CLI's registration.
//
//   TrainBenchmarks [--model SPEC] [--data DIR] [--epochs N] [--batch B] [--lr X] [--momentum M]
//                   [--optimizer sgd|adam] [--seed S] [--threads T] [--limit N]
//                   [--lr-schedule constant|cosine|step:E1,E2]
//   TrainBenchmarks --model SPEC --profile STEPS     each layer's forward and backward, timed
import Foundation
import Certificates
import Train

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("TrainBenchmarks: \(message)\n".utf8))
  exit(2)
}

/// `--name value` pairs, each read once.
struct Options {
  var values: [String: String] = [:]

  init(_ arguments: [String]) {
    var rest = arguments[...]
    while let flag = rest.popFirst() {
      guard flag.hasPrefix("--"), let value = rest.popFirst() else { fail("expected --option value, found '\(flag)'") }
      values[String(flag.dropFirst(2))] = value
    }
  }

  mutating func callAsFunction<T: LosslessStringConvertible>(_ name: String, _ fallback: T) -> T {
    guard let text = values.removeValue(forKey: name) else { return fallback }
    guard let value = T(text) else { fail("--\(name): cannot read '\(text)'") }
    return value
  }
}

var option = Options(Array(CommandLine.arguments.dropFirst()))
let specPath = option("model", "Models/mlp.spec")
let dataDirectory = option("data", FashionMNIST.defaultDirectory)
let momentum = option("momentum", 0.9)
let optimizerName = option("optimizer", "sgd")
let scheduleText = option("lr-schedule", "constant")
let schedule: LearningRateSchedule
do { schedule = try LearningRateSchedule(parsing: scheduleText) } catch { fail("--lr-schedule: \(error)") }
let configuration = TrainingConfiguration(
  epochs: option("epochs", 10), batchSize: option("batch", 128), learningRate: option("lr", 0.05),
  optimizer: optimizerName == "adam" ? .adam : .sgd(momentum: momentum), seed: option("seed", UInt64(0)),
  schedule: schedule)
let threads: Int = option("threads", 0)
if threads > 0 { BLAS.threads = threads }  // else OpenBLAS's default: one per core
let limit: Int = option("limit", Int.max)
let profileSteps: Int = option("profile", 0)
if let unknown = option.values.keys.sorted().first { fail("unknown option --\(unknown)") }

do {
  let spec = try ModelSpec(contentsOf: specPath)
  let train = try FashionMNIST.load(.train, from: dataDirectory).prefix(limit)
  let test = try FashionMNIST.load(.test, from: dataDirectory)
  let model = try Sequential(spec, seed: configuration.seed, certificates: CertificateStore(directory: URL(fileURLWithPath: "Certificates")))
  if profileSteps > 0 {
    profileLayers(model, on: train, batch: configuration.batchSize, steps: profileSteps)
    exit(0)
  }
  let report = try Trainer(configuration).train(model, on: train, test: test) { event in
    if case .epoch(let epoch) = event {
      FileHandle.standardError.write(Data(
        String(format: "epoch %d  loss %.4f  test accuracy %.4f  %.0f examples/s\n",
          epoch.epoch, epoch.loss, epoch.testAccuracy ?? .nan, epoch.examplesPerSecond).utf8))
    }
  }
  print(report.json)
} catch {
  fail("\(error)")
}
