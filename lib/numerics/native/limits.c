// Part of kernels.c.
#include "vectors.h"

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
