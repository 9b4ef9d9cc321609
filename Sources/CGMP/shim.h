#ifndef CERTIFY_CGMP_SHIM_H
#define CERTIFY_CGMP_SHIM_H
#include <gmp.h>

// GMP exposes these as macros, which Swift cannot call.
static inline mpz_ptr certify_mpq_numref(mpq_ptr q) { return mpq_numref(q); }
static inline mpz_ptr certify_mpq_denref(mpq_ptr q) { return mpq_denref(q); }
static inline int certify_mpz_sgn(mpz_srcptr z) { return mpz_sgn(z); }
static inline int certify_mpq_sgn(mpq_srcptr q) { return mpq_sgn(q); }
#endif
