// Part of kernels.c.
#include "vectors.h"

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
