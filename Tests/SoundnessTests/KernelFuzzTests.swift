import Foundation
import Testing

/// The soundness fuzzer in the test suite: a bounded budget here (`CERTIFY_FUZZ_SECONDS`, default
/// 20 s), longer runs with `scripts/fuzz-kernel --minutes N`. Seeded (`CERTIFY_FUZZ_SEED`) and
/// reproducible in the derivations it builds; the time budget decides how many.
@Suite("Soundness fuzzer")
struct KernelFuzzTests {
  static var budget: Double { ProcessInfo.processInfo.environment["CERTIFY_FUZZ_SECONDS"].flatMap(Double.init) ?? 20 }
  static var seed: UInt64 { ProcessInfo.processInfo.environment["CERTIFY_FUZZ_SEED"].flatMap { UInt64($0) } ?? 13 }

  @Test func everyAcceptedTheoremEvaluatesTrue() {
    var fuzzer = KernelFuzzer(seed: KernelFuzzTests.seed)
    let report = fuzzer.run(seconds: KernelFuzzTests.budget)
    print("kernel fuzzer (seed \(KernelFuzzTests.seed)): \(report)")
    for failure in report.failures.prefix(3) { Issue.record(Comment(rawValue: failure)) }
    // The run must have exercised the kernel: theorems beyond refl, checked at evaluated points.
    #expect(report.accepted > report.derivations)
    #expect(report.evaluated > 0)
    for rule in ["ring", "assume", "discharge", "cong", "jvp", "zero-ext", "unfold", "sum-linear", "chain", "fan-out"] {
      #expect((report.acceptedByRule[rule] ?? 0) > 0, "no \(rule) step was accepted")
    }
  }
}

@Suite("Certificate mutants")
struct CertificateMutationTests {
  static var budget: Double { ProcessInfo.processInfo.environment["CERTIFY_MUTATION_SECONDS"].flatMap(Double.init) ?? 15 }

  /// The package's Certificates folder (this file is Tests/SoundnessTests/KernelFuzzTests.swift).
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Certificates")

  @Test func noMutantOfACheckedInCertificateProvesAFalseTheorem() throws {
    let certificates = try CertificateMutations.load(CertificateMutationTests.folder)
    #expect(certificates.count >= 40)
    var mutations = CertificateMutations(seed: KernelFuzzTests.seed)
    let report = mutations.run(certificates, seconds: CertificateMutationTests.budget)
    print("certificate mutants (seed \(KernelFuzzTests.seed)): \(report)")
    for failure in report.failures.prefix(3) { Issue.record(Comment(rawValue: failure)) }
    // Every checked-in certificate was mutated at least once (names are unique per file).
    #expect(report.mutated.count == Set(certificates.map(\.name)).count)
    #expect(report.refused > 0)
    #expect(report.checked > 0)
  }
}
