#ifndef CERTIFY_CMPFI_SHIM_H
#define CERTIFY_CMPFI_SHIM_H
#include <gmp.h>
#include <mpfr.h>
#include <mpfi.h>

// MPFI's endpoint accessors and predicates are macros, which Swift cannot call.
static inline mpfr_ptr certify_mpfi_left(mpfi_ptr x) { return &(x->left); }
static inline mpfr_ptr certify_mpfi_right(mpfi_ptr x) { return &(x->right); }
#endif
