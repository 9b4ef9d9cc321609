// libFuzzer's driver entry point (compiler-rt, FuzzerInterface.h), linked by `-sanitize=fuzzer`.
// The fuzz targets call it from their own `main`: SwiftPM links an executable's `main` to
// `<Module>_main`, so libFuzzer's own `main` cannot be the entry point of a SwiftPM executable.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
