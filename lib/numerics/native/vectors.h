// Shared by the kernels (kernels.c includes every part into one translation unit, so these inline helpers are
// inlined wherever they are used): GCC/Clang vectors of four doubles (eight with AVX-512) and their exponential.
#ifndef COLLAPSE_VECTORS_H
#define COLLAPSE_VECTORS_H

#include <stdint.h>
#include <stdlib.h>
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

// 2^(j/16) for j = 0..15, correctly rounded, as the bits of doubles (the exponentials add the exponent to them).
static const int64_t EXP2_SIXTEENTHS[16] = {
    0x3ff0000000000000, 0x3ff0b5586cf9890f, 0x3ff172b83c7d517b, 0x3ff2387a6e756238,
    0x3ff306fe0a31b715, 0x3ff3dea64c123422, 0x3ff4bfdad5362a27, 0x3ff5ab07dd485429,
    0x3ff6a09e667f3bcd, 0x3ff7a11473eb0187, 0x3ff8ace5422aa0db, 0x3ff9c49182a3f090,
    0x3ffae89f995ad3ad, 0x3ffc199bdd85529c, 0x3ffd5818dcfba487, 0x3ffea4afa2a490da,
};

// a b + c rounded once (IEEE fusedMultiplyAdd), lane by lane: the FMA instructions where the build has them, else
// the C library's fma (correctly rounded in software), so the same bits whichever the machine.
#if defined(__FMA__)
#include <immintrin.h>
static inline v4d fma4(v4d a, v4d b, v4d c) { return (v4d)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c); }
#else
static inline v4d fma4(v4d a, v4d b, v4d c) {
  return (v4d){__builtin_fma(a[0], b[0], c[0]), __builtin_fma(a[1], b[1], c[1]), __builtin_fma(a[2], b[2], c[2]),
               __builtin_fma(a[3], b[3], c[3])};
}
#endif

// e^x for x in [-708, 0]: x = (k / 16) ln 2 + r, |r| <= ln 2 / 32 (a little more where the rounding of x 16 / ln 2
// to k errs), with ln 2 / 16 split in two, e^x = 2^(k >> 4) 2^((k & 15) / 16) e^r: the middle factor from the table
// above, e^r by its Taylor polynomial of degree 7 (truncation error below 2e-18 relative) evaluated by Estrin's
// scheme with fused multiply-adds, and 2^(k >> 4) added to the table value's exponent bits. k is rounded by adding
// 1.5 * 2^52, which leaves k in the low bits of the sum. Relative error below 1e-15 (the tests check it against
// Math.exp). A macro so that exp8 (kde_sums.c) repeats exactly these operations on eight lanes (FMA: its fused
// multiply-add). The `_unclamped` versions leave out the clamp to -708 (below it the result's bits are garbage): the
// kernel sums mask every term they skip to +0 whatever its bits, and every term they keep has x > -51, where the
// clamp changes nothing.
#define EXP_REDUCE(V, SPLAT, FMA)                                                                         \
  const V round = SPLAT(6755399441055744.0);                                                             \
  V shifted = FMA(x, SPLAT(23.083120654223414), round);                                                  \
  V k = shifted - round;                                                                                 \
  V r = FMA(k, SPLAT(-1.90821492927058770002e-10 / 16), FMA(k, SPLAT(-6.93147180369123816490e-01 / 16), x)); \
  V r2 = r * r, r4 = r2 * r2;                                                                            \
  V p = FMA(FMA(FMA(SPLAT(1.0 / 5040), r, SPLAT(1.0 / 720)), r2, FMA(SPLAT(1.0 / 120), r, SPLAT(1.0 / 24))), r4, \
            FMA(FMA(SPLAT(1.0 / 6), r, SPLAT(1.0 / 2)), r2, SPLAT(1.0) + r));
static inline v4d exp4_unclamped(v4d x) {
  EXP_REDUCE(v4d, splat, fma4)
  v4i ki = (v4i)shifted, j = ki & 15;
  v4i table = {EXP2_SIXTEENTHS[j[0]], EXP2_SIXTEENTHS[j[1]], EXP2_SIXTEENTHS[j[2]], EXP2_SIXTEENTHS[j[3]]};
  return p * (v4d)(table + ((ki >> 4) << 52));
}

static inline v4d exp4(v4d x) { return exp4_unclamped(select4(x < -708.0, splat(-708.0), x)); }

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
static inline v8d fma8(v8d a, v8d b, v8d c) { return (v8d)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c); }
#endif

static inline double sum4(v4d v) { return (v[0] + v[1]) + (v[2] + v[3]); }

#endif
