// Part of kernels.c.
#include "vectors.h"

// The machine's limits, for `deno task bench`'s roofline column: the peaks of multiply-adds, FMA-free (a separate
// multiply and add, as most kernels here compute) and fused (the KDE's kernel sums), and the memory bandwidth.

// `iterations` rounds of x = x * a + b on 12 independent vectors (enough to cover the multiply's and the add's
// latency with both of each unit busy), the multiply and add separate (fused == 0) or one fused multiply-add:
// 2 flops per lane per vector per round. Returns a sum so nothing is elided.
#ifdef __AVX512F__
#define PEAK_VEC v8d
#define PEAK_SPLAT splat8
#define PEAK_FMA fma8
#else
#define PEAK_VEC v4d
#define PEAK_SPLAT splat
#define PEAK_FMA fma4
#endif
#define PEAK_LOOP(STEP)                                                                                            \
  for (int64_t i = 0; i < iterations; i++) {                                                                       \
    x0 = STEP(x0), x1 = STEP(x1), x2 = STEP(x2), x3 = STEP(x3), x4 = STEP(x4), x5 = STEP(x5);                      \
    x6 = STEP(x6), x7 = STEP(x7), x8 = STEP(x8), x9 = STEP(x9), x10 = STEP(x10), x11 = STEP(x11);                  \
  }
#define SEPARATE(x) ((x) * a + b)
#define FUSED(x) PEAK_FMA(x, a, b)
double peak_multiply_add(int64_t iterations, int32_t fused) {
  typedef PEAK_VEC vec;
  vec a = PEAK_SPLAT(0.999999999), b = PEAK_SPLAT(1e-9);
  vec x0 = PEAK_SPLAT(1.0), x1 = PEAK_SPLAT(1.1), x2 = PEAK_SPLAT(1.2), x3 = PEAK_SPLAT(1.3), x4 = PEAK_SPLAT(1.4);
  vec x5 = PEAK_SPLAT(1.5), x6 = PEAK_SPLAT(1.6), x7 = PEAK_SPLAT(1.7), x8 = PEAK_SPLAT(1.8), x9 = PEAK_SPLAT(1.9);
  vec x10 = PEAK_SPLAT(2.0), x11 = PEAK_SPLAT(2.1);
  if (fused) {
    PEAK_LOOP(FUSED)
  } else {
    PEAK_LOOP(SEPARATE)
  }
  vec s = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) + ((x8 + x9) + (x10 + x11));
  double total = 0;
  for (unsigned l = 0; l < sizeof s / sizeof(double); l++) total += s[l];
  return total;
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

// The exponential of the kernel sums (kde_sums.c's exp8_unclamped, else two exp4_unclamped), alone: `rounds`
// passes over 1024 values in [-3.4, 0] held in L1, summed so nothing is elided. Its rate is the floor of the KDE's
// cost per kernel term.
double exp_throughput(int64_t rounds) {
  double q[1024];
  for (int i = 0; i < 1024; i++) q[i] = -(double)i / 300.0;
  v4d acc = splat(0.0);
  for (int64_t r = 0; r < rounds; r++) {
    for (int p = 0; p < 1024; p += 8) {
#ifdef __AVX512F__
      v8d e = exp8_unclamped(load8(q + p));
      acc += (v4d){e[0], e[1], e[2], e[3]};
      acc += (v4d){e[4], e[5], e[6], e[7]};
#else
      acc += exp4_unclamped(load4(q + p));
      acc += exp4_unclamped(load4(q + p + 4));
#endif
    }
  }
  return sum4(acc);
}
