// libFuzzer target for the S-expressions of certificates (Docs/Fuzzing.md): any bytes, read as
// UTF-8 text, must read as a theorem's serialization, or as a term, or throw a `CertificateError`.
// Beside the certificate target because there the text sits inside JSON strings, and a mutation
// seldom keeps the JSON valid and changes the S-expression at once. Built only by scripts/fuzz.
import CLibFuzzer
import Certificates

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSExpression(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  _ = try? SExpression.theorem(text)
  _ = try? SExpression.term(text)
  return 0
}

// SwiftPM links an executable's `main` to `<Module>_main`; from there libFuzzer's driver runs.
@_cdecl("FuzzSExpression_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var argc = argc, argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzSExpression)
}
