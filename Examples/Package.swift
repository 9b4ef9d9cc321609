// swift-tools-version: 6.1
// Two client programs of Certify, built the way a user's own package builds them: Certify is a
// dependency by path, and only its library products (`Train`, `Audit`, `Certificates`, `Exact`)
// are used. `scripts/run-examples` builds and runs both; they are the contract tests of the public
// API (Examples/README.md).
import PackageDescription

let package = Package(
  name: "CertifyExamples",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "Certify", path: ".."),
  ],
  targets: [
    // Trains Models/softplus_mlp.spec (a formula layer defined in this folder) on a subset of
    // Fashion-MNIST and writes a checkpoint.
    .executableTarget(
      name: "TrainWithFormulaLayer",
      dependencies: [.product(name: "Train", package: "Certify")]),
    // Loads a checkpoint and audits it from Swift: certified robustness by CROWN, and the Float32
    // gradient of a batch against its exact value enclosed in MPFI.
    .executableTarget(
      name: "AuditCheckpoint",
      dependencies: [
        .product(name: "Audit", package: "Certify"),
        .product(name: "Train", package: "Certify"),
        .product(name: "Certificates", package: "Certify"),
        .product(name: "Exact", package: "Certify"),
      ]),
  ]
)
