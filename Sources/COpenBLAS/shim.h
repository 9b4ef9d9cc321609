#ifndef CERTIFY_COPENBLAS_SHIM_H
#define CERTIFY_COPENBLAS_SHIM_H
// OpenBLAS's CBLAS interface (cblas_sgemm, cblas_dgemm) and its thread controls
// (openblas_set_num_threads, openblas_get_num_threads). The include path comes from pkg-config
// (`openblas`), which on Debian points at the variant selected by update-alternatives.
#include <cblas.h>
#endif
