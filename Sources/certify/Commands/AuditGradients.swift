import ArgumentParser
import Audit
import Exact
import Foundation
import Train

/// `certify audit gradients`: how far the trainer's Float32 gradient is from the exact one.
struct AuditGradients: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gradients",
    abstract: "Bound the trainer's Float32 gradient against the exact gradient, enclosed in MPFI.",
    discussion: """
      For a batch of test images, encloses the exact gradient of the batch-mean loss at the \
      Float32 weights and inputs by evaluating the certified rules in MPFI, computes the \
      trainer's own Float32 gradient on the same batch, and reports a one-line verdict, then per \
      parameter tensor the absolute error beside the tensor's scale, the error relative to its \
      norm, the relative error where the exact value is away from zero, and whether every entry \
      lies within the a priori rounding bound (a worst case over any summation order). The \
      inputs are the trainer's Float32 features (pixel / 255 rounded to Float32). Dropout is \
      removed (the identity at evaluation). Finite-difference checks compare random directional \
      derivatives with enclosed difference quotients. --model takes a checkpoint of 'certify \
      train' (an MLP, a CNN, a graph-shaped model such as the ResNet, or a transformer such as \
      the ViT; layers without a rounding model are named and the verdict says NO A PRIORI \
      BOUND) or a NumPy .npz (dense/ReLU, softmax cross-entropy). Docs/Audits.md, "Gradient \
      audit".
      """)

  @Option(help: "The network: a checkpoint written by 'certify train --out', or a NumPy .npz.")
  var model: String

  @OptionGroup var dataOptions: DataOptions
  @OptionGroup var certificateOptions: CertificateOptions

  @Option(parsing: .unconditional, help: "Examples in the batch (the first test images from --offset).")
  var batch: Int = 128

  @Option(parsing: .unconditional, help: "The first test image of the batch.")
  var offset: Int = 0

  @Option(parsing: .unconditional, help: "MPFI precision in bits (24 to 65536).")
  var precision: Int = 128

  @Option(parsing: .unconditional, help: "Random directions checked by finite differences in Float64 (0 for none).")
  var directions: Int = 3

  @Option(parsing: .unconditional, help: "The seed of the finite-difference directions.")
  var seed: UInt64 = 1

  @Flag(help: "Print the results as one line of JSON instead of a table.")
  var json = false

  @Option(help: ArgumentHelp(
    "Write every gradient entry's enclosure (<tensor>_lo, <tensor>_hi), the Float32 gradient and the batch to this .npz file.",
    discussion: "Docs/Audits.md, \"Enclosures file\", lists the arrays and compares them with a JAX gradient.",
    valueName: "file.npz"))
  var enclosures: String?

  func validate() throws {
    guard batch >= 1 else { throw ValidationError("--batch must be at least 1, not \(batch).") }
    guard batch <= 60_000 else { throw ValidationError("--batch must be at most 60000 (the test set has 10000 images), not \(batch).") }
    guard offset >= 0 else { throw ValidationError("--offset must be >= 0, not \(offset).") }
    guard precision >= AuditPrecision.minimum else {
      throw ValidationError("--precision must be at least \(AuditPrecision.minimum) bits (a Float32 weight must be exact), not \(precision).")
    }
    guard precision <= AuditPrecision.maximum else {
      throw ValidationError("--precision must be at most \(AuditPrecision.maximum) bits, not \(precision).")
    }
    guard directions >= 0 else { throw ValidationError("--directions must be >= 0, not \(directions).") }
    guard directions <= 1000 else { throw ValidationError("--directions must be at most 1000, not \(directions).") }
  }

  func run() throws {
    try reportingFailure {
      if let enclosures { try AuditOutputFile.check(enclosures) }
      let store = certificateOptions.store
      let loaded = try GradientAuditModel(contentsOf: model, certificates: store)
      let data = try GradientBatch(fashionMNISTIn: dataOptions.data, offset: offset, size: batch)
      var audit = GradientAudit(precision: precision, directions: directions, seed: seed)
      audit.progress = { line in FileHandle.standardError.write(Data("gradients: \(line)\n".utf8)) }
      if !loaded.removedDropout.isEmpty && !json {
        print("dropout at layer\(loaded.removedDropout.count > 1 ? "s" : "") \(loaded.removedDropout.map(String.init).joined(separator: ", ")) removed (the identity at evaluation)")
      }
      let report = try audit.run(loaded.model, on: data, certificates: store)
      if let enclosures {
        try AuditOutputFile.write(report.arrays.archive().zipData(), to: enclosures)
      }
      print(json ? report.json() : report.table())
      if !report.passed { throw ExitCode.failure }
    }
  }
}
