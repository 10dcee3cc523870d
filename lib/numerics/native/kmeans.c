// k-means' passes over the points (lib/models/kmeans.ts in C): the same squared distances, summed coordinate by
// coordinate from 0, and the same totals, summed point by point, so the same bits as the TypeScript loops. Part of
// kernels.c.
#include <stdint.h>

static inline double kmeans_squared(const double* a, const double* b, int32_t d) {
  double s = 0;
  for (int32_t j = 0; j < d; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

// labels[i] = the centre nearest row i of x (n x d; the first on ties) among the k centres (k x d). Returns 1 if
// some label changed, else 0.
int32_t kmeans_nearest(const double* x, int32_t n, int32_t d, const double* centres, int32_t k, int32_t* labels) {
  int32_t changed = 0;
  for (int32_t i = 0; i < n; i++) {
    const double* xi = x + (int64_t)i * d;
    int32_t best = 0;
    double best_distance = __builtin_inf();
    for (int32_t c = 0; c < k; c++) {
      double s = kmeans_squared(xi, centres + (int64_t)c * d, d);
      if (s < best_distance) best_distance = s, best = c;
    }
    changed |= labels[i] != best;
    labels[i] = best;
  }
  return changed;
}

// out[i] = min(nearest[i], |x_i - x_point|^2) (out may be nearest); returns the sum of out in row order.
double kmeans_distances(const double* x, int32_t n, int32_t d, int32_t point, const double* nearest, double* out) {
  const double* p = x + (int64_t)point * d;
  double total = 0;
  for (int32_t i = 0; i < n; i++) {
    double s = kmeans_squared(x + (int64_t)i * d, p, d);
    out[i] = nearest[i] < s ? nearest[i] : s;
    total += out[i];
  }
  return total;
}

// Lloyd's update's sums: counts[c] += 1 and sums[c][j] += x[i][j] for each row i of label c, in row order.
void kmeans_sums(const double* x, int32_t n, int32_t d, const int32_t* labels, double* sums, int32_t* counts) {
  for (int32_t i = 0; i < n; i++) {
    const int32_t c = labels[i];
    counts[c]++;
    for (int32_t j = 0; j < d; j++) sums[(int64_t)c * d + j] += x[(int64_t)i * d + j];
  }
}
