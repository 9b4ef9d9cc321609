// libFuzzer target for model specs (Docs/Fuzzing.md): any bytes, read as UTF-8 text, must parse
// (formula layers included) or throw a `SpecError`. Built only by scripts/fuzz.
import Train
import CLibFuzzer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelSpec(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  _ = try? ModelSpec(parsing: text, file: "<fuzz>")
  return 0
}

// SwiftPM links an executable's `main` to `<Module>_main`; from there libFuzzer's driver runs.
@_cdecl("FuzzModelSpec_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var argc = argc, argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzModelSpec)
}
