#ifndef CERTIFY_CZLIB_SHIM_H
#define CERTIFY_CZLIB_SHIM_H
// zlib's gzip file interface (gzopen, gzread, gzwrite, gzclose, gzerror) and crc32, which the
// checkpoint format uses to detect corrupted data. All are plain functions, so no wrappers.
#include <zlib.h>
#endif
