// libFuzzer target for certificates (Docs/Fuzzing.md): any bytes, read as UTF-8 text, go through
// the whole reader — JSON, the S-expressions of terms and steps, and replay through the kernel —
// and must be accepted or rejected with a `CertificateRejection`. Built only by scripts/fuzz.
import Certificates
import CLibFuzzer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCertificate(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  _ = try? Replay.replay(encoded: text)
  return 0
}

// SwiftPM links an executable's `main` to `<Module>_main`; from there libFuzzer's driver runs.
@_cdecl("FuzzCertificate_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var argc = argc, argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzCertificate)
}
