// Part of kernels.c.
#include "vectors.h"

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

// The Gaussian log-density's quadratic forms (lib/models/gaussian_likelihood.ts): for each row r of x (n x d),
// z = L^-1 (x_r - mean) by forward substitution with the lower Cholesky factor l (d x d, row-major) and
// out[r] = -0.5 (base + |z|^2), base = d log(2 pi) + log det; the TypeScript loop's operations in its order.
void gaussian_log_density(const double* x, int32_t n, int32_t d, const double* mean, const double* l, double base,
                          double* out) {
  double z[64];
  for (int32_t r = 0; r < n; r++) {
    double quadratic = 0;
    for (int32_t i = 0; i < d; i++) {
      double v = x[(int64_t)r * d + i] - mean[i];
      for (int32_t k = 0; k < i; k++) v -= l[i * d + k] * z[k];
      z[i] = v / l[i * d + i];
      quadratic += z[i] * z[i];
    }
    out[r] = -0.5 * (base + quadratic);
  }
}
