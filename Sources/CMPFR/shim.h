#ifndef CERTIFY_CMPFR_SHIM_H
#define CERTIFY_CMPFR_SHIM_H
#include <gmp.h>
#include <mpfr.h>

// MPFR exposes these as macros, which Swift cannot call.
static inline int certify_mpfr_sgn(mpfr_srcptr x) { return mpfr_sgn(x); }
static inline mpfr_exp_t certify_mpfr_get_exp(mpfr_srcptr x) { return mpfr_get_exp(x); }
#endif
