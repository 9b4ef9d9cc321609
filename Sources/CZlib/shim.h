#ifndef CERTIFY_CZLIB_SHIM_H
#define CERTIFY_CZLIB_SHIM_H
// zlib's gzip file interface (gzopen, gzread, gzwrite, gzclose, gzerror), which reads the IDX data
// sets; crc32, which checks checkpoints and zip members; and raw inflate, which reads the deflated
// members of a `.npz`. Only `inflateInit2` is a macro (it passes zlib's version and the stream's
// size), so it alone gets a function.
#include <zlib.h>

static inline int certify_inflateInit2(z_streamp stream, int windowBits) {
  return inflateInit2(stream, windowBits);
}
#endif
