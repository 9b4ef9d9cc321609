// libFuzzer target for the theorem language (Docs/Fuzzing.md): any bytes, read as UTF-8 text, must
// parse or throw a `ParseError` — no trap, no hang, bounded memory. Built only by scripts/fuzz.
import Algebra
import CLibFuzzer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTheoremParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  _ = try? TheoremLanguage.parse(text, file: "<fuzz>")
  return 0
}

// SwiftPM links an executable's `main` to `<Module>_main`; from there libFuzzer's driver runs.
@_cdecl("FuzzTheoremParser_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var argc = argc, argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzTheoremParser)
}
