import ArgumentParser
import Foundation
import ONNX
import Train

/// `certify export`: writes a checkpoint's network as an ONNX model.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a checkpoint's network as an ONNX model (opset 13), its weights bit for bit.",
    discussion: """
      The model maps a batch of inputs (shape N x the spec's input) to the logits; the loss is \
      left out (apply a softmax for probabilities). Dropout is the identity in inference and is \
      left out; batch norm is written in its inference form. A formula layer has no ONNX \
      operator and is refused. ONNX Runtime and the onnx checker read the file; 'certify audit' \
      reads it back with --model FILE.onnx (Docs/ONNX.md).
      """)

  @Argument(help: "The checkpoint file written by 'certify train --out'.")
  var checkpoint: String

  @Option(help: ArgumentHelp(
    "The ONNX file to write.",
    discussion: "A regular file, replaced atomically; a symbolic link is followed."))
  var onnx: String

  func run() throws {
    try reportingFailure {
      let out = try OutputFile(onnx)
      let stored = try Checkpoint(contentsOf: checkpoint)
      let name = URL(fileURLWithPath: checkpoint).deletingPathExtension().lastPathComponent
      let model = try ONNXExport(checkpoint: stored, name: name)
      try out.write([UInt8](model.serialized()))
      print("wrote \(onnx): \(stored.spec.layers.count) layers, \(stored.arrays.count) tensors, opset \(ONNXExport.opset)")
    }
  }
}
