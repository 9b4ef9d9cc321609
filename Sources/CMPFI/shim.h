#ifndef CERTIFY_CMPFI_SHIM_H
#define CERTIFY_CMPFI_SHIM_H
#include <gmp.h>
// MPFR through the CMPFR module's header, so MPFR's declarations belong to CMPFR alone. Included
// directly, mpfr.h would be copied into both modules, and a Swift file importing only CMPFR could
// lose sight of MPFR's enums (MPFR_RNDN, ...) whenever CMPFI happened to be loaded first.
#include "../CMPFR/shim.h"
#include <mpfr.h>
#include <mpfi.h>

// MPFI's endpoint accessors and predicates are macros, which Swift cannot call.
static inline mpfr_ptr certify_mpfi_left(mpfi_ptr x) { return &(x->left); }
static inline mpfr_ptr certify_mpfi_right(mpfi_ptr x) { return &(x->right); }
#endif
