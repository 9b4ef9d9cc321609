// libFuzzer target for checkpoints (Docs/Fuzzing.md): any bytes must decode to a validated
// checkpoint or throw `TrainingError.badCheckpoint`. Built only by scripts/fuzz.
import Train
import CLibFuzzer

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  _ = try? Checkpoint(decoding: bytes, path: "<fuzz>")
  return 0
}

// SwiftPM links an executable's `main` to `<Module>_main`; from there libFuzzer's driver runs.
@_cdecl("FuzzCheckpoint_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
  var argc = argc, argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzCheckpoint)
}
