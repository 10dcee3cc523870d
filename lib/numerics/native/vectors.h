// Shared by the kernels (kernels.c includes every part into one translation unit, so these inline helpers are
// inlined wherever they are used): GCC/Clang vectors of four doubles (eight with AVX-512) and their exponential.
#ifndef COLLAPSE_VECTORS_H
#define COLLAPSE_VECTORS_H

#include <stdint.h>
#include <string.h>

typedef double v4d __attribute__((vector_size(32)));
typedef int64_t v4i __attribute__((vector_size(32)));

static inline v4d load4(const double* p) {
  v4d v;
  memcpy(&v, p, sizeof v);
  return v;
}

static inline v4d splat(double x) { return (v4d){x, x, x, x}; }

// Lane-wise `mask ? a : b` (C has no vector ?: operator).
static inline v4d select4(v4i mask, v4d a, v4d b) { return (v4d)((mask & (v4i)a) | (~mask & (v4i)b)); }

// e^x for x in [-708, 0]: x = k ln 2 + r, |r| <= ln 2 / 2, with ln 2 split in two (fdlibm's ln2_hi has 32
// trailing zero bits, so k ln2_hi is exact), e^r by its Taylor polynomial of degree 12 (truncation error below
// 2e-16 relative) evaluated by Estrin's scheme (a short dependency chain), and 2^k written into the exponent bits.
// k is rounded by adding 1.5 * 2^52, which leaves k in the low bits of the sum. Relative error below 1e-15.
static inline v4d exp4(v4d x) {
  const v4d round = splat(6755399441055744.0);
  x = select4(x < -708.0, splat(-708.0), x);
  v4d shifted = x * 1.4426950408889634 + round;
  v4d k = shifted - round;
  v4d r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
  v4d r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  v4d a0 = 1.0 + r, a1 = 1.0 / 2 + (1.0 / 6) * r, a2 = 1.0 / 24 + (1.0 / 120) * r;
  v4d a3 = 1.0 / 720 + (1.0 / 5040) * r, a4 = 1.0 / 40320 + (1.0 / 362880) * r;
  v4d a5 = 1.0 / 3628800 + (1.0 / 39916800) * r;
  v4d b0 = a0 + a1 * r2, b1 = a2 + a3 * r2, b2 = a4 + a5 * r2;
  v4d p = (b0 + b1 * r4) + (b2 + (1.0 / 479001600) * r4) * r8;
  v4i bits = ((v4i)shifted + 1023) << 52;
  return p * (v4d)bits;
}

static inline double exp1(double x) { return exp4(splat(x))[0]; }

// Eight-lane vectors where the machine has AVX-512 (the kernel sums and the peak of kde_sums.c and limits.c).
#ifdef __AVX512F__
typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8i __attribute__((vector_size(64)));
static inline v8d splat8(double x) { return (v8d){x, x, x, x, x, x, x, x}; }
static inline v8d load8(const double* p) {
  v8d v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline v8d select8(v8i mask, v8d a, v8d b) { return (v8d)((mask & (v8i)a) | (~mask & (v8i)b)); }
#endif

static inline double sum4(v4d v) { return (v[0] + v[1]) + (v[2] + v[3]); }

#endif
