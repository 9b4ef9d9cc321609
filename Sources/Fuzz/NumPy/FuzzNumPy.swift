// libFuzzer target for `.npz` files (Docs/Fuzzing.md): any bytes go through the zip reader, the
// inflater and the `.npy` reader, and must give arrays or throw an `AuditError`. Built only by
// scripts/fuzz.
import Audit
import Foundation
import CLibFuzzer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumPy(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  _ = try? NumPyArchive(data: Data(UnsafeBufferPointer(start: data, count: size)), path: "<fuzz>")
  return 0
}

// SwiftPM links an executable's `main` to `<Module>_main`; from there libFuzzer's driver runs.
@_cdecl("FuzzNumPy_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var argc = argc, argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzNumPy)
}
