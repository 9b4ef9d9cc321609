// Loads a checkpoint and audits it from Swift: the audits as a user's package reaches them.
//
//   swift run AuditCheckpoint --model relu.ckpt [--images N] [--batch B]
//
// Certified robustness by CROWN (the Float64 tier, directed rounding) of the first N test images,
// then the Float32 gradient of a batch against its exact value enclosed in MPFI. The audits accept
// the layers they have bounds and error models for (dense, relu, ...); any other layer is refused
// by name. Exits 1 on any failure or on a broken contract: a gradient entry outside its a priori
// bound, a directional check that disagrees, a certified image the network misclassifies.
import Audit
import Certificates
import Exact
import Foundation
import Train

struct ExampleError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

func option(_ name: String, default value: String) -> String {
  let arguments = CommandLine.arguments
  guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return value }
  return arguments[i + 1]
}

func auditRobustness(_ path: String, images: Int) throws {
  let network = try DenseNetwork(contentsOf: path)
  let test = try FashionMNIST.load(.test).prefix(images)
  let data = try AuditDataset(pixels: test.pixels ?? [], features: 784, labels: test.labels.map(Int.init))
  let audit = try RobustnessAudit(network: network, method: .crown, tier: .float64)
  let report = try audit.run(data, epsilons: [Rational(1, 1000), Rational(3, 1000)])
  print(report.table())
  for result in report.results {
    for (image, certified) in result.certified.enumerated() where certified && !report.cleanCorrect[image] {
      throw ExampleError("image \(image) certified at eps \(result.epsilon) but misclassified")
    }
  }
}

func auditGradients(_ path: String, batchSize: Int) throws {
  let store = CertificateStore.builtIn
  let loaded = try GradientAuditModel(contentsOf: path, certificates: store)
  let batch = try GradientBatch(try FashionMNIST.load(.test), size: batchSize)
  let report = try GradientAudit(precision: 96, directions: 2).run(loaded.model, on: batch, certificates: store)
  print(report.table())
  if let tensor = report.tensors.first(where: { !$0.withinBound }) {
    throw ExampleError("gradient of \(tensor.name): \(tensor.outside) entries outside the a priori bound")
  }
  if let check = report.checks.first(where: { !$0.consistent }) {
    throw ExampleError("directional check \(check.seed) disagrees with the enclosed gradient (gap \(check.gap))")
  }
}

do {
  let path = option("--model", default: "relu.ckpt")
  guard let images = Int(option("--images", default: "200")), images > 0,
        let batch = Int(option("--batch", default: "32")), batch > 0
  else { throw ExampleError("--images and --batch take positive integers") }
  try auditRobustness(path, images: images)
  try auditGradients(path, batchSize: batch)
} catch {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(1)
}
