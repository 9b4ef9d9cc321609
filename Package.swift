// swift-tools-version: 6.1
// The Certify package: layout and module boundaries are described in Docs/Architecture.md.
import PackageDescription

let package = Package(
  name: "Certify",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "Exact", targets: ["Exact"]),
    .executable(name: "certify", targets: ["certify"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
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

    .target(name: "Exact", dependencies: ["CGMP", "CMPFR", "CMPFI"]),

    .executableTarget(
      name: "certify",
      dependencies: [
        "Exact",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    .testTarget(
      name: "ExactTests",
      dependencies: [
        "Exact",
        .product(name: "PropertyBased", package: "swift-property-based"),
      ]),
  ]
)
