// libFuzzer target for single `.npy` arrays (Docs/Fuzzing.md): any bytes must give an array or
// throw an `AuditError`. Beside the `.npz` target because a mutated zip member mostly fails its
// CRC-32, so that target seldom reaches the `.npy` header reader. Built only by scripts/fuzz.
import Audit
import CLibFuzzer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  _ = try? NumPyArray(npy: bytes, name: "<fuzz>")
  return 0
}

// SwiftPM links an executable's `main` to `<Module>_main`; from there libFuzzer's driver runs.
@_cdecl("FuzzNPY_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var argc = argc, argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzNPY)
}
