// The toolkit's two hot loops in C, compiled on first use by lib/native/mod.ts with the machine's C compiler and
// called through Deno's FFI:
// - kde_add_sums: Gaussian- (or top-hat-) kernel sums of test points against training points (the KDE experiment);
// - dot_rows: C = A B^T for row-major A (m x k) and B (n x k): the Gram matrices X^T W X of least squares and the
//   Gaussian scatter, and Gaussian sampling (x = B z).
// Written with GCC/Clang vector extensions (four doubles per operation: AVX2 where the machine has it, else pairs
// of SSE2 registers). Compiled without -ffast-math and with -ffp-contract=off, so the arithmetic is the one written
// here, operation by operation, and every machine computes the same bits. The TypeScript loops in lib/kde.ts and
// lib/matrix.ts compute the same quantities when no compiler is available (and serve as the tests' reference).

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

// The terms of eight consecutive squared distances qp[0..8) added to acc (lane l: qp[l], then qp[l + 4]), each
// exp(-c q - mi) where q < limit, else +0: with AVX-512 one eight-lane exponential, else two four-lane ones. The
// same operations lane for lane as exp4, so the same bits whichever the build.
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
static inline v8d exp8(v8d x) {
  const v8d round = splat8(6755399441055744.0);
  x = select8(x < -708.0, splat8(-708.0), x);
  v8d shifted = x * 1.4426950408889634 + round;
  v8d k = shifted - round;
  v8d r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
  v8d r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
  v8d a0 = 1.0 + r, a1 = 1.0 / 2 + (1.0 / 6) * r, a2 = 1.0 / 24 + (1.0 / 120) * r;
  v8d a3 = 1.0 / 720 + (1.0 / 5040) * r, a4 = 1.0 / 40320 + (1.0 / 362880) * r;
  v8d a5 = 1.0 / 3628800 + (1.0 / 39916800) * r;
  v8d b0 = a0 + a1 * r2, b1 = a2 + a3 * r2, b2 = a4 + a5 * r2;
  v8d p = (b0 + b1 * r4) + (b2 + (1.0 / 479001600) * r4) * r8;
  v8i bits = ((v8i)shifted + 1023) << 52;
  return p * (v8d)bits;
}
static inline v4d add_terms8(const double* qp, double c, double mi, double limit, v4d acc) {
  v8d qv = load8(qp);
  v8d e = (v8d)((v8i)exp8(-c * qv - mi) & (qv < limit));
  acc += (v4d){e[0], e[1], e[2], e[3]};
  acc += (v4d){e[4], e[5], e[6], e[7]};
  return acc;
}
static inline int32_t count_below(const double* q, int32_t padded, double limit) {
  v8i below = (v8i){0, 0, 0, 0, 0, 0, 0, 0};
  for (int32_t p = 0; p < padded; p += 8) below -= load8(q + p) < limit;  // a true lane is -1
  int64_t total = 0;
  for (int l = 0; l < 8; l++) total += below[l];
  return (int32_t)total;
}
#else
static inline v4d add_terms8(const double* qp, double c, double mi, double limit, v4d acc) {
  v4d q0 = load4(qp), q1 = load4(qp + 4);
  acc += (v4d)((v4i)exp4(-c * q0 - mi) & (q0 < limit));
  acc += (v4d)((v4i)exp4(-c * q1 - mi) & (q1 < limit));
  return acc;
}
static inline int32_t count_below(const double* q, int32_t padded, double limit) {
  v4i below = (v4i){0, 0, 0, 0};
  for (int32_t p = 0; p < padded; p += 4) below -= load4(q + p) < limit;
  return (int32_t)(below[0] + below[1] + below[2] + below[3]);
}
#endif

// The kept kernel terms of one test point against one block: acc (lane l sums the terms of positions p = l mod 4,
// in increasing p) plus exp(-c q[p] - mi) for each q[p] < limit. q holds `padded` values (a multiple of 8; pads are
// +inf). Two routes, the same sums: every position (an exponential each, masked), or, when at most a third of the
// terms are kept, the kept ones only, gathered lane by lane into `kept` (row j holds lane l's j-th kept value at
// kept[4 j + l], rows padded with +inf, masked as before), so that each lane adds the same values in the same
// order and +0 (no change: a sum of positive terms from +0 is never -0) where the other route adds +0.
static inline v4d add_kept_terms(const double* q, int32_t padded, double c, double mi, double limit, v4d acc,
                                 double* kept) {
  int32_t total = count_below(q, padded, limit);
  if (total == 0) return acc;
  if (total * 3 > padded) {
    for (int32_t p = 0; p < padded; p += 8) acc = add_terms8(q + p, c, mi, limit, acc);
    return acc;
  }
  int32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  for (int32_t p = 0; p < padded; p += 4) {
    double v0 = q[p], v1 = q[p + 1], v2 = q[p + 2], v3 = q[p + 3];
    kept[4 * c0] = v0;
    kept[4 * c1 + 1] = v1;
    kept[4 * c2 + 2] = v2;
    kept[4 * c3 + 3] = v3;
    c0 += v0 < limit;
    c1 += v1 < limit;
    c2 += v2 < limit;
    c3 += v3 < limit;
  }
  int32_t counts[4] = {c0, c1, c2, c3}, rows = c0;
  for (int l = 1; l < 4; l++) rows = counts[l] > rows ? counts[l] : rows;
  rows = (rows + 1) & ~1;
  for (int l = 0; l < 4; l++)
    for (int32_t j = counts[l]; j < rows; j++) kept[4 * j + l] = __builtin_inf();
  for (int32_t j = 0; j < rows; j += 2) acc = add_terms8(kept + 4 * j, c, mi, limit, acc);
  return acc;
}

// Terms below e^-SKIP times the running maximum change a sum by less than 2e-22 each: not computed.
#define SKIP 50.0
#define BLOCK 1024

// Adds the n training points y (coordinate-major: coordinate j of point p at y[j * n + p]) to the kernel sums of
// the m test points x (row-major, m x d). Gaussian kernel (tophat == 0), with c = 1 / (2 h^2): each test point
// keeps `max`, the largest log-kernel value -c |x - y|^2 seen, and `sum` = sum of exp(value - max). Top-hat kernel
// (tophat != 0): `sum` counts the points with |x - y|^2 < radius2 and `max` is 0. Training points are taken in
// blocks that stay in cache while every test point passes over them; per test point and block, one pass writes
// the squared distances and their minimum, the running maximum is updated once, and a second pass adds the
// exponentials of the terms above e^-SKIP of the maximum.
void kde_add_sums(const double* x, int32_t m, const double* y, int32_t n, int32_t d, double c, double radius2,
                  int32_t tophat, double* max, double* sum) {
  double q[BLOCK + 8], kept[BLOCK + 16];
  for (int32_t start = 0; start < n; start += BLOCK) {
    int32_t size = n - start < BLOCK ? n - start : BLOCK;
    int32_t padded = (size + 7) & ~7;
    for (int32_t i = 0; i < m; i++) {
      const double* xi = x + (int64_t)i * d;
      v4d best = splat(__builtin_inf());
      int32_t p = 0;
      for (; p + 4 <= size; p += 4) {
        v4d s = splat(0.0);
        for (int32_t j = 0; j < d; j++) {
          v4d diff = xi[j] - load4(y + (int64_t)j * n + start + p);
          s += diff * diff;
        }
        memcpy(q + p, &s, sizeof s);
        best = select4(s < best, s, best);
      }
      double nearest = best[0];
      for (int l = 1; l < 4; l++) nearest = best[l] < nearest ? best[l] : nearest;
      for (; p < size; p++) {
        double s = 0;
        for (int32_t j = 0; j < d; j++) {
          double diff = xi[j] - y[(int64_t)j * n + start + p];
          s += diff * diff;
        }
        q[p] = s;
        nearest = s < nearest ? s : nearest;
      }
      for (; p < padded; p++) q[p] = __builtin_inf();
      if (tophat) {
        int64_t count = 0;
        for (p = 0; p < size; p++) count += q[p] < radius2;
        max[i] = 0;
        sum[i] += (double)count;
        continue;
      }
      double mi = max[i], s = sum[i];
      double top = -c * nearest;
      if (top > mi) {
        s = mi == -__builtin_inf() ? 0.0 : s * exp1(mi - top);
        mi = top;
      }
      // value - max > -SKIP  <=>  q < (SKIP - max) / c
      double limit = (SKIP - mi) / c;
      v4d acc = add_kept_terms(q, padded, c, mi, limit, splat(0.0), kept);
      max[i] = mi;
      sum[i] = s + ((acc[0] + acc[1]) + (acc[2] + acc[3]));
    }
  }
}

static inline double sum4(v4d v) { return (v[0] + v[1]) + (v[2] + v[3]); }

// Dot product of a[0 .. k) and b[0 .. k).
static inline double dot(const double* a, const double* b, int32_t k) {
  v4d acc = splat(0.0);
  int32_t p = 0;
  for (; p + 4 <= k; p += 4) acc += load4(a + p) * load4(b + p);
  double s = sum4(acc);
  for (; p < k; p++) s += a[p] * b[p];
  return s;
}

// C = A B^T: c[i * n + j] = sum_p a[i * k + p] b[j * k + p], for row-major A (m x k), B (n x k), C (m x n).
// With `symmetric` (A B^T known to be symmetric, e.g. A = B or A = B scaled per column), blocks below the diagonal
// are skipped and the upper triangle mirrored. Register blocks of 2 rows of A by 4 rows of B: 8 four-lane
// accumulators; each loaded vector of A is used 4 times and each of B twice.
// The loop of dot_rows and dot_rows_trapezoid: with `perm`, row j of B is zero beyond column j (lower trapezoidal)
// and its products go to column perm[j] of C; the zero products are skipped (they would add zeros to sums that are
// never -0, which changes nothing: every output has the bits dot_rows gives it).
static inline void dot_rows_loop(const double* a, const double* b, double* c, int32_t m, int32_t n, int32_t k,
                                 int32_t symmetric, const int32_t* perm) {
  int32_t k4 = k & ~3;
  int32_t i = 0;
  for (; i + 2 <= m; i += 2) {
    const double *a0 = a + (int64_t)i * k, *a1 = a0 + k;
    int32_t j = symmetric ? i & ~3 : 0;
    for (; j + 4 <= n; j += 4) {
      const double *b0 = b + (int64_t)j * k, *b1 = b0 + k, *b2 = b1 + k, *b3 = b2 + k;
      v4d c00 = splat(0.0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
      int32_t limit = k4;
      if (perm) {
        int32_t nonzero = (j + 4 < k ? j + 4 : k + 3) & ~3;  // rows j..j+3 are zero from column j + 4 on
        limit = nonzero < k4 ? nonzero : k4;
      }
      for (int32_t p = 0; p < limit; p += 4) {
        v4d x0 = load4(a0 + p), x1 = load4(a1 + p), y;
        y = load4(b0 + p), c00 += x0 * y, c10 += x1 * y;
        y = load4(b1 + p), c01 += x0 * y, c11 += x1 * y;
        y = load4(b2 + p), c02 += x0 * y, c12 += x1 * y;
        y = load4(b3 + p), c03 += x0 * y, c13 += x1 * y;
      }
      double r[2][4] = {{sum4(c00), sum4(c01), sum4(c02), sum4(c03)}, {sum4(c10), sum4(c11), sum4(c12), sum4(c13)}};
      for (int32_t p = k4; p < k; p++) {
        for (int u = 0; u < 4; u++) {
          double bv = b[(int64_t)(j + u) * k + p];
          r[0][u] += a0[p] * bv;
          r[1][u] += a1[p] * bv;
        }
      }
      for (int u = 0; u < 4; u++) {
        int32_t column = perm ? perm[j + u] : j + u;
        c[(int64_t)i * n + column] = r[0][u];
        c[(int64_t)(i + 1) * n + column] = r[1][u];
      }
    }
    for (; j < n; j++) {
      int32_t column = perm ? perm[j] : j;
      c[(int64_t)i * n + column] = dot(a0, b + (int64_t)j * k, k);
      c[(int64_t)(i + 1) * n + column] = dot(a1, b + (int64_t)j * k, k);
    }
  }
  for (; i < m; i++) {
    for (int32_t j = symmetric ? i & ~3 : 0; j < n; j++) {
      c[(int64_t)i * n + (perm ? perm[j] : j)] = dot(a + (int64_t)i * k, b + (int64_t)j * k, k);
    }
  }
  if (symmetric) {
    for (int32_t r = 1; r < m; r++) {
      for (int32_t s = 0; s < r; s++) c[(int64_t)r * n + s] = c[(int64_t)s * n + r];
    }
  }
}

void dot_rows(const double* a, const double* b, double* c, int32_t m, int32_t n, int32_t k, int32_t symmetric) {
  dot_rows_loop(a, b, c, m, n, k, symmetric, 0);
}

// C[i][perm[j]] = A_i . B_j for a lower trapezoidal B (row j zero beyond column j): a Gaussian sample x = B z from
// the pivoted Cholesky factor (rows in pivot order), in the bits dot_rows gives the factor's rows in any order,
// at about half the multiplications.
void dot_rows_trapezoid(const double* a, const double* b, double* c, int32_t m, int32_t n, int32_t k,
                        const int32_t* perm) {
  dot_rows_loop(a, b, c, m, n, k, 0, perm);
}

// ---------------------------------------------------------------------------------------------------------------
// The seeded generator of lib/numerics/rng.ts in C: xoshiro128** on the very state words of a JS `Rng` (an
// Int32Array of 4, read and written in place), and its uniform, integer, normal (ziggurat), gamma, binomial and
// multinomial draws, operation for operation as rng.ts and discrete.ts write them, so both routes give the same
// bits. Where the TypeScript route calls the engine's Math.exp or Math.log, this code decides with the C library's
// exp and log (each within 1 ulp of the true value, so within 2 ulp of the engine's) only when the decision is
// clear by a margin a thousand times wider than that; otherwise, and where a drawn VALUE (not a decision) would
// come from exp or log (the ziggurat's tail, rare), it restores the state as it was before the draw and returns,
// so that the caller draws that one value in TypeScript and then continues here. pow, which V8 takes from the C
// library, is called as V8 calls it (and skipped where (x*x)*(x*x) decides x^4's comparison by a margin).
// lib/numerics/rng.ts checks on first use that both routes agree on a sample of every kind of draw.

#include <math.h>

typedef struct {
  uint32_t s[4];
} rng_t;

static inline uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static inline uint32_t next_u32(rng_t* g) {
  uint32_t s1 = g->s[1];
  uint32_t r = rotl32(s1 * 5u, 7) * 9u;
  uint32_t t = s1 << 9;
  g->s[2] ^= g->s[0];
  g->s[3] ^= g->s[1];
  g->s[1] ^= g->s[2];
  g->s[0] ^= g->s[3];
  g->s[2] ^= t;
  g->s[3] = rotl32(g->s[3], 11);
  return r;
}

static inline double next_random(rng_t* g) {
  uint32_t hi = next_u32(g) >> 5, lo = next_u32(g) >> 6;
  return ((double)hi * 67108864.0 + (double)lo) / 9007199254740992.0;
}

// A uniform integer in [0, n) for 1 <= n <= 2^32, by rejection at the top of the 32-bit range.
static inline uint32_t next_int(rng_t* g, uint64_t n) {
  uint64_t limit = 4294967296ull - (4294967296ull % n);
  uint64_t x = next_u32(g);
  while (x >= limit) x = next_u32(g);
  return (uint32_t)(x % n);
}

// The ziggurat's tables, as rng.ts computes them (passed in, so both routes use the very same doubles): x[0..128],
// ratio[0..127] and xsq[0..128] = x[i] ** 2 as the engine computes it.
typedef struct {
  const double* x;
  const double* ratio;
  const double* xsq;
} zig_t;

// Decisions by the C library's exp/log are trusted when clear by this relative margin (the two libraries differ
// by at most ~4.4e-16 relative; the arithmetic after them adds a few ulp).
#define MARGIN 1e-12

// One standard normal into *out; 0 when the TypeScript route must draw it (state restored).
__attribute__((always_inline)) static inline int normal1(rng_t* g, const zig_t* z, double* out) {
  rng_t saved = *g;
  for (;;) {
    uint32_t hi = next_u32(g), lo = next_u32(g);
    double u = 2 * (((double)(hi >> 5) * 67108864.0 + (double)(lo >> 6)) / 9007199254740992.0) - 1;
    int layer = (int)((hi & 0x1f) | ((lo & 0x3) << 5));
    if (fabs(u) < z->ratio[layer]) {
      *out = u * z->x[layer];
      return 1;
    }
    if (layer == 0) break;  // the tail: its value comes from Math.log
    double x = u * z->x[layer];
    double f0 = exp(-0.5 * (z->xsq[layer] - x * x));
    double f1 = exp(-0.5 * (z->xsq[layer + 1] - x * x));
    double value = f1 + next_random(g) * (f0 - f1);
    double margin = MARGIN * (fabs(f0) + fabs(f1) + 1);
    if (value < 1 - margin) {
      *out = x;
      return 1;
    }
    if (!(value >= 1 + margin)) break;  // too close to call (or NaN)
  }
  *g = saved;
  return 0;
}

// Fills out[start .. count) with normals; returns where it stopped (count: done; else out[i] is the TypeScript
// route's to draw, the state being as before it).
int32_t rng_fill_normal(int32_t* state, const double* zx, const double* zratio, const double* zxsq, double* out,
                        int32_t start, int32_t count) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  zig_t z = {zx, zratio, zxsq};
  int32_t i = start;
  for (; i < count; i++)
    if (!normal1(&g, &z, out + i)) break;
  memcpy(state, g.s, sizeof g.s);
  return i;
}

// A Gamma(shape, 1) draw for shape >= 1 (Marsaglia and Tsang, as Rng.gamma); 0 when the TypeScript route must
// draw it (state restored by the caller, which saved it).
static inline int gamma1(rng_t* g, const zig_t* z, double shape, double* out) {
  double d = shape - 1.0 / 3, c = 1 / sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      if (!normal1(g, z, &x)) return 0;
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    double u = next_random(g);
    // u < 1 - 0.0331 * x ** 4 (the engine's pow): (x*x)*(x*x) is within 2 ulp of it.
    double x2 = x * x, x4 = x2 * x2;
    double threshold = 1 - 0.0331 * x4, margin = MARGIN * (1 + 0.0331 * x4);
    int squeeze;
    if (u < threshold - margin) squeeze = 1;
    else if (u >= threshold + margin) squeeze = 0;
    else squeeze = u < 1 - 0.0331 * pow(x, 4);
    if (squeeze) {
      *out = d * v;
      return 1;
    }
    double lu = log(u), lv = log(v), t = 1 - v + lv;
    if (!isfinite(lu) || !isfinite(lv)) return 0;
    double rhs = 0.5 * x * x + d * t;
    double m = MARGIN * (1 + fabs(lu) + 0.5 * x * x + d * (fabs(lv) + fabs(t)));
    if (lu < rhs - m) {
      *out = d * v;
      return 1;
    }
    if (!(lu >= rhs + m)) return 0;
  }
}

// Sequential inversion for Binomial(n, p) with a small mean, as discrete.ts's binomialInversion.
static double binomial_inversion(rng_t* g, double n, double p) {
  if (p > 0.5) return n - binomial_inversion(g, n, 1 - p);
  double q = 1 - p, s = p / q, a = (n + 1) * s;
  double start = pow(q, n);
  for (;;) {
    double u = next_random(g), r = start, x = 0;
    while (u > r) {
      u -= r;
      x++;
      if (x > n) break;
      r *= a / x - s;
    }
    if (x <= n) return x;
  }
}

// Binomial(trials, p) as discrete.ts's binomialDraw (inversion below mean 20, else Knuth's splitting by beta
// order statistics from two gammas); 0 when the TypeScript route must draw it (the caller restores the state).
static int binomial1(rng_t* g, const zig_t* z, double trials, double p, double* out) {
  double n = trials, prob = p, x = 0;
  for (;;) {
    if (n == 0 || prob == 0) break;
    if (prob == 1) {
      x += n;
      break;
    }
    double least = prob < 1 - prob ? prob : 1 - prob;
    if (n * least < 20) {
      x += binomial_inversion(g, n, prob);
      break;
    }
    double a = 1 + floor(n / 2), b = n + 1 - a;
    double ga, gb;
    if (!gamma1(g, z, a, &ga) || !gamma1(g, z, b, &gb)) return 0;
    double split = ga / (ga + gb);
    if (split >= prob) {
      n = a - 1;
      prob = prob / split;
    } else {
      x += a;
      n = b - 1;
      prob = (prob - split) / (1 - split);
    }
  }
  *out = x;
  return 1;
}

// The multinomial draw of discrete.ts's sampleDiscrete from outcome `start` on: drawn[i] for each outcome i of
// `counts` (m of them), io = {rolls left, mass left} updated in place. Returns where it stopped: m when done, else
// the outcome whose binomial the TypeScript route must draw (state as before it).
int32_t rng_multinomial(int32_t* state, const double* zx, const double* zratio, const double* zxsq,
                        const double* counts, int32_t m, double* drawn, int32_t start, double* io) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  zig_t z = {zx, zratio, zxsq};
  double left = io[0], mass = io[1];
  int32_t i = start;
  for (; i < m && left > 0; i++) {
    double c = counts[i], x;
    if (i == m - 1 || c >= mass) x = left;
    else {
      rng_t saved = g;
      if (!binomial1(&g, &z, left, c / mass, &x)) {
        g = saved;
        break;
      }
    }
    drawn[i] = x;
    left -= x;
    mass -= c;
  }
  memcpy(state, g.s, sizeof g.s);
  io[0] = left;
  io[1] = mass;
  return i < m && left > 0 ? i : m;
}

// Gamma draws, for the self-check of lib/numerics/rng.ts: out[i] = Gamma(shapes[i]); returns the count drawn
// before the first the TypeScript route must draw (state as before it).
int32_t rng_gammas(int32_t* state, const double* zx, const double* zratio, const double* zxsq, const double* shapes,
                   double* out, int32_t count) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  zig_t z = {zx, zratio, zxsq};
  int32_t i = 0;
  for (; i < count; i++) {
    rng_t saved = g;
    if (!gamma1(&g, &z, shapes[i], out + i)) {
      g = saved;
      break;
    }
  }
  memcpy(state, g.s, sizeof g.s);
  return i;
}

// rng.int(n) draws into out (n <= 2^32), for KDE sampling and the self-check.
void rng_ints(int32_t* state, double n, double* out, int32_t count) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  for (int32_t i = 0; i < count; i++) out[i] = (double)next_int(&g, (uint64_t)n);
  memcpy(state, g.s, sizeof g.s);
}

// rng.sampleWithoutReplacement(populationSize, k) into out (k distinct integers in draw order): rejection against
// the bit set `taken` (zeroed, populationSize bits, caller's) when 2k <= populationSize, else a partial
// Fisher-Yates shuffle of `items` (populationSize int32, caller's). Integer arithmetic only: the same draws.
void rng_sample_without_replacement(int32_t* state, double population, int32_t k, int32_t* out, uint8_t* taken,
                                    int32_t* items) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  uint64_t n = (uint64_t)population;
  if (2 * (uint64_t)k <= n) {
    for (int32_t i = 0; i < k;) {
      uint32_t j = next_int(&g, n);
      uint8_t mask = (uint8_t)(1u << (j & 7));
      if ((taken[j >> 3] & mask) == 0) {
        taken[j >> 3] |= mask;
        out[i++] = (int32_t)j;
      }
    }
  } else {
    for (uint64_t i = 0; i < n; i++) items[i] = (int32_t)i;
    for (int32_t i = 0; i < k; i++) {
      uint64_t j = (uint64_t)i + next_int(&g, n - (uint64_t)i);
      out[i] = items[j];
      items[j] = items[i];
    }
  }
  memcpy(state, g.s, sizeof g.s);
}

// The tally of discrete.ts's CountsPool.select (poolTally there, the same loop): adds to tally[] the outcome of each
// of the k distinct positions `indices` of a pool of `size` rolls laid out as runs (run r holds the positions below
// ends[r] and from ends[r - 1], all of outcome outcomes[r]), through the all-zero bit set `bits` (left all zero).
// Returns 0, counting nothing, when a position repeats or is outside the pool.
int32_t pool_tally(const int32_t* indices, int32_t k, double size, int32_t* bits, const double* ends,
                   const int32_t* outcomes, int32_t runs, double* tally) {
  int64_t n = (int64_t)size, words = (n + 31) >> 5;
  uint32_t* b = (uint32_t*)bits;
  for (int32_t i = 0; i < k; i++) {
    int64_t index = indices[i];
    uint32_t mask = 1u << (index & 31);
    if (index < 0 || index >= n || (b[index >> 5] & mask)) {
      memset(b, 0, (size_t)words * 4);
      return 0;
    }
    b[index >> 5] |= mask;
  }
  int32_t a = 0;
  for (int64_t w = 0; w < words; w++) {
    uint32_t set = b[w];
    if (!set) continue;
    b[w] = 0;
    for (; set; set &= set - 1) {
      double index = (double)((w << 5) + __builtin_ctz(set));
      if (ends[a] <= index) {
        int32_t step = 1, c = a + 1;
        while (c < runs && ends[c] <= index) {
          a = c;
          step *= 2;
          c = a + step;
        }
        int32_t high = c < runs - 1 ? c : runs - 1;
        a++;
        while (a < high) {
          int32_t mid = (a + high) >> 1;
          if (ends[mid] > index) high = mid;
          else a = mid + 1;
        }
      }
      tally[outcomes[a]] += 1;
    }
  }
  return 1;
}

// pool_tally for a pool that keeps its rolls one per position (rolls[p], int32): the same tally, by look-up.
int32_t pool_tally_rolls(const int32_t* indices, int32_t k, double size, int32_t* bits, const int32_t* rolls,
                         double* tally) {
  int64_t n = (int64_t)size, words = (n + 31) >> 5;
  uint32_t* b = (uint32_t*)bits;
  for (int32_t i = 0; i < k; i++) {
    int64_t index = indices[i];
    uint32_t mask = 1u << (index & 31);
    if (index < 0 || index >= n || (b[index >> 5] & mask)) {
      memset(b, 0, (size_t)words * 4);
      return 0;
    }
    b[index >> 5] |= mask;
  }
  for (int64_t w = 0; w < words; w++) {
    uint32_t set = b[w];
    if (!set) continue;
    b[w] = 0;
    for (; set; set &= set - 1) tally[rolls[(w << 5) + __builtin_ctz(set)]] += 1;
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------------------------
// The Gaussian's factorizations and products (lib/numerics/linalg.ts, lib/models/gaussian.ts), vectorized across
// independent outputs: each output is still summed term after term in the order the TypeScript loops add them, so
// the results are the same bits (only several outputs advance at once, four lanes to a vector).

// linalg.ts's pivotedCholesky, its loop over k: complete pivoting on the remaining diagonal of `work` (a copy of the
// d x d matrix, updated in place), L row-major d x d in pivoted order (zeroed by the caller), perm (identity on
// entry), pivots[k] = L[k][k]. lt is scratch (d x d, zeroed): L by columns, so four rows' entries of one column are
// one vector. Returns the rank.
int32_t psd_pivoted_cholesky(double* work, int32_t d, double tolerance, double* l, double* lt, int32_t* perm,
                             double* pivots) {
  int32_t rank = 0;
  for (int32_t k = 0; k < d; k++) {
    int32_t pivot = k;
    double best = -__builtin_inf();
    for (int32_t i = k; i < d; i++) {
      double value = work[(int64_t)perm[i] * d + perm[i]];
      if (value > best) {
        best = value;
        pivot = i;
      }
    }
    if (!(best > tolerance)) break;
    if (pivot != k) {
      int32_t t = perm[k];
      perm[k] = perm[pivot];
      perm[pivot] = t;
      for (int32_t m = 0; m < k; m++) {
        double u = l[(int64_t)k * d + m];
        l[(int64_t)k * d + m] = l[(int64_t)pivot * d + m];
        l[(int64_t)pivot * d + m] = u;
        lt[(int64_t)m * d + k] = l[(int64_t)k * d + m];
        lt[(int64_t)m * d + pivot] = u;
      }
    }
    int32_t pk = perm[k];
    double lkk = sqrt(best);
    l[(int64_t)k * d + k] = lkk;
    lt[(int64_t)k * d + k] = lkk;
    pivots[k] = lkk;
    const double* rowk = l + (int64_t)k * d;
    int32_t i = k + 1;
    // Two partial sums per row (m even, m odd), as the TypeScript loop keeps them.
    for (; i + 4 <= d; i += 4) {
      v4d even = splat(0.0), odd = splat(0.0);
      int32_t m = 0;
      for (; m + 1 < k; m += 2) {
        even += load4(lt + (int64_t)m * d + i) * rowk[m];
        odd += load4(lt + (int64_t)(m + 1) * d + i) * rowk[m + 1];
      }
      if (m < k) even += load4(lt + (int64_t)m * d + i) * rowk[m];
      v4d total = even + odd;
      for (int u = 0; u < 4; u++) {
        int32_t pi = perm[i + u];
        double lik = (work[(int64_t)pi * d + pk] - total[u]) / lkk;
        l[(int64_t)(i + u) * d + k] = lik;
        lt[(int64_t)k * d + i + u] = lik;
        work[(int64_t)pi * d + pi] -= lik * lik;
      }
    }
    for (; i < d; i++) {
      int32_t pi = perm[i];
      const double* rowi = l + (int64_t)i * d;
      double even = 0, odd = 0;
      int32_t m = 0;
      for (; m + 1 < k; m += 2) {
        even += rowi[m] * rowk[m];
        odd += rowi[m + 1] * rowk[m + 1];
      }
      if (m < k) even += rowi[m] * rowk[m];
      double lik = (work[(int64_t)pi * d + pk] - (even + odd)) / lkk;
      l[(int64_t)i * d + k] = lik;
      lt[(int64_t)k * d + i] = lik;
      work[(int64_t)pi * d + pi] -= lik * lik;
    }
    rank++;
  }
  return rank;
}

// gaussian.ts's sampleGaussianSummary, C = B A for B (d x r, row p non-zero in its first nz[p] columns) and the
// lower triangular A (r x r, zero above the diagonal): c[p][j] = sum over m from j to nz[p] - 1 of
// b[p][m] a[m][j], m ascending. Four j at a time: a lane whose j is above m adds b[p][m] * 0 (a zero of either sign
// to a sum that is still +0), which leaves its sum as the TypeScript loop, which starts at m = j, has it.
void gaussian_triangular_product(const double* b, int32_t d, int32_t r, const int32_t* nz, const double* a,
                                 double* c) {
  for (int32_t p = 0; p < d; p++) {
    const double* bp = b + (int64_t)p * r;
    int32_t end = nz[p], j = 0;
    for (; j + 16 <= r; j += 16) {
      v4d s0 = splat(0.0), s1 = s0, s2 = s0, s3 = s0;
      for (int32_t m = j; m < end; m++) {
        const double* row = a + (int64_t)m * r + j;
        double x = bp[m];
        s0 += load4(row) * x;
        s1 += load4(row + 4) * x;
        s2 += load4(row + 8) * x;
        s3 += load4(row + 12) * x;
      }
      double* out = c + (int64_t)p * r + j;
      memcpy(out, &s0, sizeof s0);
      memcpy(out + 4, &s1, sizeof s1);
      memcpy(out + 8, &s2, sizeof s2);
      memcpy(out + 12, &s3, sizeof s3);
    }
    for (; j + 4 <= r; j += 4) {
      v4d sum = splat(0.0);
      for (int32_t m = j; m < end; m++) sum += load4(a + (int64_t)m * r + j) * bp[m];
      memcpy(c + (int64_t)p * r + j, &sum, sizeof sum);
    }
    for (; j < r; j++) {
      double sum = 0;
      for (int32_t m = j; m < end; m++) sum += bp[m] * a[(int64_t)m * r + j];
      c[(int64_t)p * r + j] = sum;
    }
  }
}

// C = B Z^T for the k < r case: c[p][j] = sum over m < nz[p] of b[p][m] zt[j][m]; zc is Z by columns (r x k), so
// four j's entries of one m are one vector.
void gaussian_dense_product(const double* b, int32_t d, int32_t r, const int32_t* nz, const double* zc, int32_t k,
                            double* c) {
  for (int32_t p = 0; p < d; p++) {
    const double* bp = b + (int64_t)p * r;
    int32_t end = nz[p], j = 0;
    for (; j + 4 <= k; j += 4) {
      v4d sum = splat(0.0);
      for (int32_t m = 0; m < end; m++) sum += load4(zc + (int64_t)m * k + j) * bp[m];
      memcpy(c + (int64_t)p * k + j, &sum, sizeof sum);
    }
    for (; j < k; j++) {
      double sum = 0;
      for (int32_t m = 0; m < end; m++) sum += bp[m] * zc[(int64_t)m * k + j];
      c[(int64_t)p * k + j] = sum;
    }
  }
}

// S = C C^T (d x d, symmetric) for C (d x q): s[i][j] = sum over m < q of c[i][m] c[j][m], m ascending, for j >= i,
// mirrored below. cc is C by columns (q x d).
void gaussian_gram(const double* c, int32_t d, int32_t q, const double* cc, double* s) {
  for (int32_t i = 0; i < d; i++) {
    const double* ci = c + (int64_t)i * q;
    int32_t j = i;
    // Sixteen outputs at once, four independent sums: each output's own sum is still one chain over m.
    for (; j + 16 <= d; j += 16) {
      v4d s0 = splat(0.0), s1 = s0, s2 = s0, s3 = s0;
      for (int32_t m = 0; m < q; m++) {
        const double* row = cc + (int64_t)m * d + j;
        double x = ci[m];
        s0 += load4(row) * x;
        s1 += load4(row + 4) * x;
        s2 += load4(row + 8) * x;
        s3 += load4(row + 12) * x;
      }
      v4d sums[4] = {s0, s1, s2, s3};
      for (int v = 0; v < 4; v++) {
        for (int u = 0; u < 4; u++) {
          s[(int64_t)i * d + j + 4 * v + u] = sums[v][u];
          s[(int64_t)(j + 4 * v + u) * d + i] = sums[v][u];
        }
      }
    }
    for (; j + 4 <= d; j += 4) {
      v4d sum = splat(0.0);
      for (int32_t m = 0; m < q; m++) sum += load4(cc + (int64_t)m * d + j) * ci[m];
      for (int u = 0; u < 4; u++) {
        s[(int64_t)i * d + j + u] = sum[u];
        s[(int64_t)(j + u) * d + i] = sum[u];
      }
    }
    for (; j < d; j++) {
      double sum = 0;
      for (int32_t m = 0; m < q; m++) sum += ci[m] * c[(int64_t)j * q + m];
      s[(int64_t)i * d + j] = sum;
      s[(int64_t)j * d + i] = sum;
    }
  }
}

// least_squares.ts's L^T L for L (d x r, row-major): g[i][j] = sum over p < d of l[p][i] l[p][j], p ascending, for
// j <= i, mirrored; four j at a time (each output still one chain over p).
void gram_of_columns(const double* l, int32_t d, int32_t r, double* g) {
  for (int32_t i = 0; i < r; i++) {
    int32_t j = 0;
    for (; j + 4 <= i + 1; j += 4) {
      v4d sum = splat(0.0);
      for (int32_t p = 0; p < d; p++) sum += load4(l + (int64_t)p * r + j) * l[(int64_t)p * r + i];
      for (int u = 0; u < 4; u++) g[(int64_t)i * r + j + u] = g[(int64_t)(j + u) * r + i] = sum[u];
    }
    for (; j <= i; j++) {
      double sum = 0;
      for (int32_t p = 0; p < d; p++) sum += l[(int64_t)p * r + i] * l[(int64_t)p * r + j];
      g[(int64_t)i * r + j] = g[(int64_t)j * r + i] = sum;
    }
  }
}

// linalg.ts's plain Cholesky (A = L L^T, L row-major and zeroed by the caller; lt scratch, zeroed): the diagonal
// as a[j][j] minus each l[j][m] ** 2 in turn (the C library's pow, as the engine's ** is), each column's entries
// four rows at a time. Returns 0 when a pivot is not above the tolerance (L then incomplete), else 1.
int32_t cholesky_plain(const double* a, int32_t n, double tolerance, double* l, double* lt) {
  for (int32_t j = 0; j < n; j++) {
    double diagonal = a[(int64_t)j * n + j];
    for (int32_t m = 0; m < j; m++) diagonal -= pow(l[(int64_t)j * n + m], 2.0);
    if (!(diagonal > tolerance)) return 0;
    double ljj = sqrt(diagonal);
    l[(int64_t)j * n + j] = ljj;
    lt[(int64_t)j * n + j] = ljj;
    const double* rowj = l + (int64_t)j * n;
    int32_t i = j + 1;
    for (; i + 4 <= n; i += 4) {
      v4d sum = {a[(int64_t)i * n + j], a[(int64_t)(i + 1) * n + j], a[(int64_t)(i + 2) * n + j],
                 a[(int64_t)(i + 3) * n + j]};
      for (int32_t m = 0; m < j; m++) sum -= load4(lt + (int64_t)m * n + i) * rowj[m];
      for (int u = 0; u < 4; u++) {
        double lij = sum[u] / ljj;
        l[(int64_t)(i + u) * n + j] = lij;
        lt[(int64_t)j * n + i + u] = lij;
      }
    }
    for (; i < n; i++) {
      double sum = a[(int64_t)i * n + j];
      for (int32_t m = 0; m < j; m++) sum -= l[(int64_t)i * n + m] * rowj[m];
      double lij = sum / ljj;
      l[(int64_t)i * n + j] = lij;
      lt[(int64_t)j * n + i] = lij;
    }
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------------------------
// The machine's limits, for `deno task bench`'s roofline column: the peak of FMA-free multiply-adds (a separate
// multiply and add, as every kernel here computes) and the memory bandwidth.

// `iterations` rounds of x = x * a + b on 12 independent vectors (enough to cover the multiply's and the add's
// latency with both of each unit busy): 2 flops per lane per vector per round. Returns a sum so nothing is elided.
double peak_multiply_add(int64_t iterations) {
#ifdef __AVX512F__
  typedef v8d vec;
#define SPLAT splat8
#else
  typedef v4d vec;
#define SPLAT splat
#endif
  vec a = SPLAT(0.999999999), b = SPLAT(1e-9);
  vec x0 = SPLAT(1.0), x1 = SPLAT(1.1), x2 = SPLAT(1.2), x3 = SPLAT(1.3), x4 = SPLAT(1.4), x5 = SPLAT(1.5);
  vec x6 = SPLAT(1.6), x7 = SPLAT(1.7), x8 = SPLAT(1.8), x9 = SPLAT(1.9), x10 = SPLAT(2.0), x11 = SPLAT(2.1);
  for (int64_t i = 0; i < iterations; i++) {
    x0 = x0 * a + b, x1 = x1 * a + b, x2 = x2 * a + b, x3 = x3 * a + b, x4 = x4 * a + b, x5 = x5 * a + b;
    x6 = x6 * a + b, x7 = x7 * a + b, x8 = x8 * a + b, x9 = x9 * a + b, x10 = x10 * a + b, x11 = x11 * a + b;
  }
  vec s = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + ((x8 + x9) + (x10 + x11));
  double total = 0;
  for (unsigned l = 0; l < sizeof s / sizeof(double); l++) total += s[l];
  return total;
#undef SPLAT
}

// Lanes of the vectors peak_multiply_add works on (4 or 8): its flops are iterations * 12 * 2 * lanes.
int32_t peak_lanes(void) { return (int32_t)(sizeof(v4d) / sizeof(double)) * (
#ifdef __AVX512F__
  2
#else
  1
#endif
  ); }

// Memory bandwidth: the sum of a[0 .. n) read `reps` times (four accumulators), or (triad = 1) a[i] = b[i] + s c[i]
// `reps` times over arrays a, b, c of n doubles each.
double stream(double* a, const double* b, const double* c, int64_t n, int32_t reps, int32_t triad) {
  double total = 0;
  for (int32_t r = 0; r < reps; r++) {
    if (triad) {
      for (int64_t i = 0; i + 4 <= n; i += 4) {
        v4d v = load4(b + i) + load4(c + i) * 1.0000001;
        memcpy(a + i, &v, sizeof v);
      }
      total += a[r % n];
    } else {
      v4d s0 = splat(0.0), s1 = s0, s2 = s0, s3 = s0;
      for (int64_t i = 0; i + 16 <= n; i += 16) {
        s0 += load4(a + i), s1 += load4(a + i + 4), s2 += load4(a + i + 8), s3 += load4(a + i + 12);
      }
      v4d s = (s0 + s1) + (s2 + s3);
      total += (s[0] + s[1]) + (s[2] + s[3]);
    }
  }
  return total;
}

// ---------------------------------------------------------------------------------------------------------------
// lib/numerics/binned_sums.ts in C: each test point's histogram of squared distances (bins of width w, a ring of
// L slots from bin base[i], 10 power sums per slot) updated with new points, and evaluated at c. See that module
// for the error bound (3.4e-13 relative). The same loops as its TypeScript (binned_add the same bits; binned_eval
// sums four bins at a time, to rounding the same), the exponential exp4's.
#define POWERS 10
#define BINNED_SKIP 50.0

// The slot of bin b is b mod L; with `first` the slot of bin base[i], bin b's is first + (b - base[i]), less L
// past the end (b - base[i] is in [0, L)): no division per point.
static inline int64_t binned_slot(double b, double base, int64_t first, int32_t L) {
  int64_t k = first + (int64_t)(b - base);
  return k >= L ? k - L : k;
}

void binned_add(const double* x, int32_t m, const double* y, int32_t n, int32_t d, double w, int32_t L, double c,
                double* powers, double* base, double* nearest) {
  const double reach = BINNED_SKIP / c;
  for (int32_t i = 0; i < m; i++) {
    const double* xi = x + (int64_t)i * d;
    double* ring = powers + (int64_t)i * L * POWERS;
    double bi = base[i], near = nearest[i];
    int64_t first = near == __builtin_inf() ? 0 : (int64_t)fmod(bi, L);
    for (int32_t p = 0; p < n; p++) {
      double q = 0;
      for (int32_t j = 0; j < d; j++) {
        double diff = xi[j] - y[(int64_t)j * n + p];
        q += diff * diff;
      }
      double b = floor(q / w);
      if (!(q < near)) {
        if (!(q < near + reach) || b >= bi + L) continue;
      } else {
        if (near == __builtin_inf()) bi = b;
        else if (b < bi) {
          double from = b + L > bi ? b + L : bi;
          for (double k = from; k < bi + L; k++) memset(ring + binned_slot(k, bi, first, L) * POWERS, 0, POWERS * 8);
          bi = b;
        }
        first = (int64_t)fmod(bi, L);
        near = q;
      }
      double* slot = ring + binned_slot(b, bi, first, L) * POWERS;
      double delta = q - b * w, power = 1;
      for (int k = 0; k < POWERS; k++) {
        slot[k] += power;
        power *= delta;
      }
    }
    base[i] = bi;
    nearest[i] = near;
  }
}

void binned_eval(int32_t m, double w, int32_t L, double c, const double* powers, const double* base,
                 const double* nearest, double* max, double* sum) {
  double inverse[POWERS], f = 1;
  for (int k = 0; k < POWERS; k++) {
    if (k > 1) f *= k;
    inverse[k] = 1 / f;
  }
  for (int32_t i = 0; i < m; i++) {
    if (nearest[i] == __builtin_inf()) {
      max[i] = -__builtin_inf();
      sum[i] = 0;
      continue;
    }
    const double* ring = powers + (int64_t)i * L * POWERS;
    double top = -c * nearest[i];
    double last = floor((nearest[i] + BINNED_SKIP / c) / w);
    if (last > base[i] + L - 1) last = base[i] + L - 1;
    // Four bins at a time, lane l summing bins base + l, base + 4 + l, ...; an empty bin's power sums are 0, and
    // lanes past `last` are masked out. The lanes are added at the end (l = 0..3 in order).
    int64_t first = (int64_t)fmod(base[i], L);
    v4d acc = splat(0.0);
    const v4d lane = {0, 1, 2, 3};
    for (double b = base[i]; b <= last; b += 4) {
      int64_t at[4];
      for (int l = 0; l < 4; l++) {
        // A lane past the ring reads the first slot (and is masked out below).
        at[l] = binned_slot(b + l > base[i] + L - 1 ? base[i] : b + l, base[i], first, L) * POWERS;
      }
      v4d poly = splat(0.0);
      for (int j = POWERS - 1; j >= 0; j--) {
        v4d pj = {ring[at[0] + j], ring[at[1] + j], ring[at[2] + j], ring[at[3] + j]};
        poly = poly * -c + pj * inverse[j];
      }
      v4d bins = splat(b) + lane;
      v4d term = exp4(-c * bins * w - top) * poly;
      acc += (v4d)((v4i)term & (bins <= last));
    }
    double s = ((acc[0] + acc[1]) + acc[2]) + acc[3];
    max[i] = top;
    sum[i] = s;
  }
}
