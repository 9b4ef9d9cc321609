import ArgumentParser
import Foundation
import ONNX
import Train

/// `certify evaluate`: measures a checkpoint on the Fashion-MNIST test set.
struct EvaluateCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evaluate",
    abstract: "Measure a checkpoint's loss and accuracy on the Fashion-MNIST test set.")

  @Argument(help: "The checkpoint file written by 'certify train --out', or an ONNX model of the same layers.")
  var checkpoint: String

  @OptionGroup var dataOptions: DataOptions
  @OptionGroup var certificateOptions: CertificateOptions

  @OptionGroup var performance: PerformanceOptions

  @Flag(help: "Print the result as one line of JSON.")
  var json = false

  func run() throws {
    performance.apply()
    try reportingFailure {
      let (stored, normalization) = try Checkpoint.loadModel(checkpointOrONNX: checkpoint, certificates: certificateOptions.store)
      let model = try stored.makeModel(certificates: certificateOptions.store)
      if stored.modelCertificate == nil || stored.supersededModelCertificateRuleSet != nil {
        let carried = stored.supersededModelCertificateRuleSet.map { "the checkpoint's model certificate was written for rule set \($0)" }
          ?? stored.supersededModelCertificateFormat.map { "the checkpoint's model certificate is in the superseded format \($0)" }
          ?? "the checkpoint carries no model certificate (written before them)"
        let note = model.modelCertificate != nil
          ? carried + "; one was built at load"
          : model.modelCertificateGap ?? "the model has no model certificate"
        FileHandle.standardError.write(Data("note: \(note)\n".utf8))
      }
      // An ONNX model's input normalisation, in Float32 as ONNX Runtime computes it.
      var test = try FashionMNIST.load(.test, from: dataOptions.data)
      if let normalization { test = try normalization.apply(to: test) }
      try Trainer.check(model, fits: test)
      let result = Trainer.evaluate(model, on: test)
      if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
      } else {
        print(String(
          format: "test accuracy %.2f%% (%d of %d)  loss %.4f", 100 * result.accuracy, result.correct,
          result.count, result.loss))
      }
    }
  }
}
