// The KDE's Taylor moments (lib/numerics/kernel_moments.ts in C). Part of kernels.c.
#include "vectors.h"

#define MOMENTS_MAX_DIM 8

// Adds the lanes' points (coord[j][l]: coordinate j of lane l; lanes past `lanes` weigh +0) to the lane sums acc:
// per monomial k, exp(-|v|^2 / 2) times monomial k at v (mono: scratch of the same shape).
static void moments_step(double coord[][8], int32_t d, int32_t lanes, int32_t terms, const int32_t* parent,
                         const int32_t* axis, double* mono, double* acc) {
  v4d q0 = splat(0.0), q1 = splat(0.0);
  for (int32_t j = 0; j < d; j++) {
    v4d c0 = load4(coord[j]), c1 = load4(coord[j] + 4);
    q0 = fma4(c0, c0, q0);
    q1 = fma4(c1, c1, q1);
  }
  // |v|^2 / 2 <= 8 or a little more (the caller's selection, rounded otherwise): the exponential's clamp is moot.
  v4d w0 = exp4_unclamped(splat(-0.5) * q0), w1 = exp4_unclamped(splat(-0.5) * q1);
  double w[8];
  memcpy(w, &w0, sizeof w0);
  memcpy(w + 4, &w1, sizeof w1);
  for (int32_t l = lanes; l < 8; l++) w[l] = 0.0;
  memcpy(mono, w, sizeof w);
  for (int32_t l = 0; l < 8; l++) acc[l] += w[l];
  for (int32_t k = 1; k < terms; k++) {
    const double *from = mono + 8 * (size_t)parent[k], *x = coord[axis[k]];
    double *to = mono + 8 * (size_t)k, *sum = acc + 8 * (size_t)k;
    v4d t0 = load4(from) * load4(x), t1 = load4(from + 4) * load4(x + 4);
    v4d s0 = load4(sum) + t0, s1 = load4(sum + 4) + t1;
    memcpy(to, &t0, sizeof t0);
    memcpy(to + 4, &t1, sizeof t1);
    memcpy(sum, &s0, sizeof s0);
    memcpy(sum + 4, &s1, sizeof s1);
  }
}

// Of the n points y (row-major), those with |v|^2 <= radius2, v = (y - centre) / h, are added to the moments: per
// monomial k of the table, the sum of exp(-|v|^2 / 2) times the monomial at v (monomial 0 is 1; monomial k > 0 is
// monomial parent[k] < k times coordinate axis[k]); outlier[p] is 1 for the others, 0 for these. Returns the
// outliers' count, or -1 (d above MOMENTS_MAX_DIM, or no scratch). The points on the route go eight at a time, in
// their order, each lane of the sums taking every eighth (lane l: the l-th of each eight), the lanes reduced in one
// order at the end: the same vector operations in every build, so the same bits whichever the build.
int32_t kde_moments_add(const double* y, int32_t n, int32_t d, const double* centre, double h, double radius2,
                        int32_t terms, const int32_t* parent, const int32_t* axis, double* moments, uint8_t* outlier) {
  if (d > MOMENTS_MAX_DIM || d < 1 || terms < 1) return -1;
  double* scratch = malloc(sizeof(double) * 16 * (size_t)terms);  // each monomial's and each sum's eight lanes
  if (!scratch) return -1;
  double *mono = scratch, *acc = scratch + 8 * (size_t)terms;
  memset(acc, 0, sizeof(double) * 8 * (size_t)terms);
  double coord[MOMENTS_MAX_DIM][8];
  int32_t lanes = 0, outliers = 0;
  for (int32_t p = 0; p < n; p++) {
    double v[MOMENTS_MAX_DIM], r2 = 0;
    for (int32_t j = 0; j < d; j++) {
      v[j] = (y[(int64_t)p * d + j] - centre[j]) / h;
      r2 += v[j] * v[j];
    }
    outlier[p] = !(r2 <= radius2);
    if (outlier[p]) {
      outliers++;
      continue;
    }
    for (int32_t j = 0; j < d; j++) coord[j][lanes] = v[j];
    if (++lanes == 8) {
      moments_step(coord, d, 8, terms, parent, axis, mono, acc);
      lanes = 0;
    }
  }
  if (lanes > 0) {
    for (int32_t j = 0; j < d; j++)
      for (int32_t l = lanes; l < 8; l++) coord[j][l] = 0.0;
    moments_step(coord, d, lanes, terms, parent, axis, mono, acc);
  }
  for (int32_t k = 0; k < terms; k++) {
    const double* s = acc + 8 * (size_t)k;
    moments[k] += ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  }
  free(scratch);
  return outliers;
}
