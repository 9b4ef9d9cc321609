// swift-tools-version: 6.1
// The Certify package: layout and module boundaries are described in Docs/Architecture.md.
import PackageDescription

let package = Package(
  name: "Certify",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "Exact", targets: ["Exact"]),
    .library(name: "Intervals", targets: ["Intervals"]),
    .library(name: "ProofKernel", targets: ["ProofKernel"]),
    .library(name: "TermPrinting", targets: ["TermPrinting"]),
    .library(name: "Evaluation", targets: ["Evaluation"]),
    .library(name: "Algebra", targets: ["Algebra"]),
    .library(name: "Certificates", targets: ["Certificates"]),
    // The trainer and the audits, for a user's own package (`import Train`, `import Audit`).
    .library(name: "Train", targets: ["Train"]),
    .library(name: "Audit", targets: ["Audit"]),
    .executable(name: "certify", targets: ["certify"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    // `make docs`: the DocC catalogs (Sources/*/*.docc) as a static site. A plugin only: nothing
    // of it is linked into Certify.
    .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    // ONNX models in and out (Sources/ONNX): the protobuf runtime only; the message code is
    // generated once from onnx.proto and committed (scripts/generate-onnx-proto).
    .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
  ],
  targets: [
    // System libraries. GMP and MPFR ship pkg-config files; MPFI does not, so its module map links
    // it by name.
    .systemLibrary(
      name: "CGMP", pkgConfig: "gmp",
      providers: [.apt(["libgmp-dev"]), .brew(["gmp"])]),
    .systemLibrary(
      name: "CMPFR", pkgConfig: "mpfr",
      providers: [.apt(["libmpfr-dev"]), .brew(["mpfr"])]),
    .systemLibrary(
      name: "CMPFI",
      providers: [.apt(["libmpfi-dev"]), .brew(["mpfi"])]),
    // The trainer's matrix products (cblas_sgemm) and gzip reading (the IDX data sets).
    .systemLibrary(
      name: "COpenBLAS", pkgConfig: "openblas",
      providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]),
    .systemLibrary(
      name: "CZlib", pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),

    // Exact rationals over GMP: all the trusted kernel needs.
    .target(name: "Exact", dependencies: ["CGMP"]),
    // Intervals over MPFI/MPFR and correctly rounded Double conversion, beside Exact: the kernel's
    // dependency closure has no MPFR or MPFI.
    .target(name: "Intervals", dependencies: ["Exact", "CGMP", "CMPFR", "CMPFI"], linkerSettings: [.linkedLibrary("m")]),
    // The trusted kernel: the standard library and Exact only (Docs/Architecture.md).
    .target(name: "ProofKernel", dependencies: ["Exact"]),
    // The readable printing of the kernel's terms, formulas and theorems: not trusted, so not in the
    // kernel. The kernel's messages print terms by interpolation and find it at run time, so every
    // module that reports kernel errors depends on it.
    .target(name: "TermPrinting", dependencies: ["ProofKernel"]),
    // The engine: theorem language, normalization, proof search. Untrusted: it only proposes steps.
    .target(name: "Algebra", dependencies: ["Exact", "ProofKernel", "TermPrinting", "Evaluation"]),
    // Untrusted evaluation of terms at concrete sizes: exact, and dual numbers over exact and interval scalars.
    .target(name: "Evaluation", dependencies: ["Exact", "Intervals", "ProofKernel", "TermPrinting"]),
    // Certificate files, SHA-256 and replay through the kernel. Not the engine: replay must not
    // depend on it (Exact only for the rationals the kernel's terms hold).
    .target(
      name: "Certificates",
      dependencies: ["ProofKernel", "TermPrinting", "Exact", .product(name: "Crypto", package: "swift-crypto")]),

    // The numeric trainer: Float32 tensors over OpenBLAS, layers, losses, optimizers, IDX data,
    // checkpoints (Docs/Training.md).
    .target(name: "Train", dependencies: ["Exact", "Intervals", "COpenBLAS", "CZlib", "ProofKernel", "Algebra", "Certificates", "Evaluation"]),

    // ONNX files read as Certify models and checkpoints written as ONNX (Docs/Audits.md). Weights
    // are float32 bit for bit, so the audits' exact tiers stay exact.
    .target(
      name: "ONNX",
      dependencies: ["Exact", "Train", "Certificates", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),

    // Interval audits (Docs/Audits.md): sound IBP and CROWN robustness bounds in exact, MPFI and
    // Float64-on-BLAS tiers, the `.npz` reader (zlib inflates and checks), and the gradient audit,
    // which encloses the exact gradient of a trained model through its certified formulas. Not
    // ZIPFoundation: on Linux it defines a Clang module `CZlib` that collides with ours in any build
    // seeing both (the test runner).
    .target(
      name: "Audit",
      dependencies: ["Exact", "Intervals", "COpenBLAS", "CZlib", "ProofKernel", "Evaluation", "Certificates", "Train", "ONNX"]),

    // The static HTML proof explorer `certify site` writes (Docs/Site.md): pages in MathML, no network.
    .target(name: "Site", dependencies: ["Exact", "ProofKernel", "Algebra", "Evaluation", "Certificates", "Train"]),

    .executableTarget(
      name: "certify",
      dependencies: [
        "Exact", "Intervals", "ProofKernel", "Algebra", "Certificates", "Evaluation", "Train", "Audit", "Site", "ONNX",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // Times the engine (canonical order, the catalogue); compared with SymPy by scripts/bench-engine.
    .executableTarget(name: "EngineBenchmarks", dependencies: ["Algebra", "ProofKernel", "Certificates"], path: "Sources/EngineBenchmarks"),
    // Times the trainer on Fashion-MNIST; compared with NumPy and JAX by scripts/bench-train.
    .executableTarget(name: "TrainBenchmarks", dependencies: ["Train", "Certificates"], path: "Sources/TrainBenchmarks"),
    .executableTarget(name: "ModelCertificateBenchmarks", dependencies: ["Train", "Certificates"], path: "Sources/ModelCertificateBenchmarks"),
    // Times Rational and Interval operations; compared with Python by scripts/bench-exact.
    .executableTarget(name: "ExactBenchmarks", dependencies: ["Exact", "Intervals"], path: "Sources/ExactBenchmarks"),

    // Times the robustness audit on Fashion-MNIST; compared with NumPy and mpmath by scripts/bench-audit.
    .executableTarget(name: "AuditBenchmarks", dependencies: ["Audit", "Exact", "Intervals"], path: "Sources/AuditBenchmarks"),

    // The Swift examples of README.md, Docs/*.md and the DocC articles, copied into Generated/ by
    // scripts/check-doc-examples: building the tests compiles them (Docs/README.md, "Examples").
    .testTarget(
      name: "DocExamplesTests",
      dependencies: ["Train", "Audit", "Algebra", "Certificates", "Exact", "Intervals", "Evaluation", "ProofKernel"]),
    // Runs the built `certify` binary.
    .testTarget(name: "CertifyCLITests", dependencies: ["certify", "Algebra"]),
    // The command line's parsing and work, in the process (`@testable import certify`).
    .testTarget(
      name: "CertifyTests",
      dependencies: ["certify", "Algebra", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      exclude: ["Help"]),
    // The site's pages in the process, and in headless Chromium (Docs/Site.md, "Tests").
    .testTarget(
      name: "SiteTests",
      dependencies: ["Site", "Algebra", "Certificates", "ProofKernel", "Exact", "CZlib"]),
    .testTarget(
      name: "ProofKernelTests",
      dependencies: ["ProofKernel", "TermPrinting", "Exact", "Certificates"]),
    .testTarget(
      name: "AlgebraTests",
      dependencies: [
        "Algebra", "ProofKernel", "Exact", "Intervals", "Evaluation",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]),
    .testTarget(
      name: "CertificatesTests",
      dependencies: ["Certificates", "ProofKernel", "Exact", "Algebra"]),
    .testTarget(
      name: "TrainTests",
      dependencies: ["Train", "CZlib", "Certificates", "Algebra", "ProofKernel", "Evaluation", "Exact", "Intervals"]),
    .testTarget(
      name: "SoundnessTests",
      dependencies: ["ProofKernel", "Evaluation", "Certificates", "Exact", "Intervals"]),
    .testTarget(
      name: "EvaluationTests",
      dependencies: ["Evaluation", "ProofKernel", "Exact", "Intervals"]),
    .testTarget(
      name: "AuditTests",
      dependencies: ["Audit", "Exact", "Intervals", "Train", "Certificates", "Evaluation", "ProofKernel"],
      exclude: ["Fixtures"]),
    // ONNX in and out in the process; the Python interoperability checks are scripts/check-onnx.
    .testTarget(
      name: "ONNXTests",
      dependencies: ["ONNX", "Train", "Certificates", "Audit", "Exact", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
    .testTarget(
      name: "ExactTests",
      dependencies: [
        "Exact", "Intervals",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]),
  ]
)

// libFuzzer targets (Docs/Fuzzing.md), declared only when scripts/fuzz builds them (it sets
// CERTIFY_FUZZ and passes `-sanitize=fuzzer`): without the sanitizer they have no `main`, so they
// would not link, and the normal build and tests do not pay for them.
if Context.environment["CERTIFY_FUZZ"] != nil {
  let fuzzTargets: [(name: String, folder: String, module: Target.Dependency)] = [
    ("FuzzTheoremParser", "TheoremParser", "Algebra"),
    ("FuzzModelSpec", "ModelSpec", "Train"),
    ("FuzzCertificate", "Certificate", "Certificates"),
    ("FuzzSExpression", "SExpression", "Certificates"),
    ("FuzzCheckpoint", "Checkpoint", "Train"),
    ("FuzzNumPy", "NumPy", "Audit"),
    ("FuzzNPY", "NPY", "Audit"),
  ]
  package.targets.append(.systemLibrary(name: "CLibFuzzer", path: "Sources/Fuzz/CLibFuzzer"))
  for target in fuzzTargets {
    package.targets.append(.executableTarget(name: target.name, dependencies: [target.module, "CLibFuzzer"], path: "Sources/Fuzz/\(target.folder)"))
    package.products.append(.executable(name: target.name, targets: [target.name]))
  }
}
