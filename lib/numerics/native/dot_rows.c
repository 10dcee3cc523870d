// Row-dot products C = A B^T behind every Gram matrix (lib/numerics/matrix.ts in C). Part of kernels.c.
#include "vectors.h"


// v, kept in a register: each row of B is loaded once per step and used for both rows of A (else the compiler folds
// the load into both multiplies, two loads where one serves, and the loop waits on loads).
static inline v4d in_register(v4d v) {
#ifdef __AVX__
  __asm__("" : "+x"(v));  // a 256-bit register ("x"); without AVX a v4d is two SSE registers, left to the compiler
#endif
  return v;
}

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
// never -0, which changes nothing: every output has the bits dot_rows gives it). With `offset`, offset[column] is
// added to each finished dot product (once, after the sum: the bits of adding it afterwards).
static inline void dot_rows_loop(const double* a, const double* b, double* c, int32_t m, int32_t n, int32_t k,
                                 int32_t symmetric, const int32_t* perm, const double* offset) {
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
        y = in_register(load4(b0 + p)), c00 += x0 * y, c10 += x1 * y;
        y = in_register(load4(b1 + p)), c01 += x0 * y, c11 += x1 * y;
        y = in_register(load4(b2 + p)), c02 += x0 * y, c12 += x1 * y;
        y = in_register(load4(b3 + p)), c03 += x0 * y, c13 += x1 * y;
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
        c[(int64_t)i * n + column] = offset ? r[0][u] + offset[column] : r[0][u];
        c[(int64_t)(i + 1) * n + column] = offset ? r[1][u] + offset[column] : r[1][u];
      }
    }
    for (; j < n; j++) {
      int32_t column = perm ? perm[j] : j;
      double d0 = dot(a0, b + (int64_t)j * k, k), d1 = dot(a1, b + (int64_t)j * k, k);
      c[(int64_t)i * n + column] = offset ? d0 + offset[column] : d0;
      c[(int64_t)(i + 1) * n + column] = offset ? d1 + offset[column] : d1;
    }
  }
  for (; i < m; i++) {
    for (int32_t j = symmetric ? i & ~3 : 0; j < n; j++) {
      int32_t column = perm ? perm[j] : j;
      double d0 = dot(a + (int64_t)i * k, b + (int64_t)j * k, k);
      c[(int64_t)i * n + column] = offset ? d0 + offset[column] : d0;
    }
  }
  if (symmetric) {
    for (int32_t r = 1; r < m; r++) {
      for (int32_t s = 0; s < r; s++) c[(int64_t)r * n + s] = c[(int64_t)s * n + r];
    }
  }
}

void dot_rows(const double* a, const double* b, double* c, int32_t m, int32_t n, int32_t k, int32_t symmetric) {
  dot_rows_loop(a, b, c, m, n, k, symmetric, 0, 0);
}

// C[i][perm[j]] = A_i . B_j for a lower trapezoidal B (row j zero beyond column j): a Gaussian sample x = B z from
// the pivoted Cholesky factor (rows in pivot order), in the bits dot_rows gives the factor's rows in any order,
// at about half the multiplications; with `offset` (the mean, or null), offset[perm[j]] added to each.
void dot_rows_trapezoid(const double* a, const double* b, double* c, int32_t m, int32_t n, int32_t k,
                        const int32_t* perm, const double* offset) {
  dot_rows_loop(a, b, c, m, n, k, 0, perm, offset);
}

// sums[j] = x[0 * d + j] + x[1 * d + j] + ... in order of the rows, from +0 (columnMeans' loop in lib/numerics/
// matrix.ts: the same bits), sixteen columns at a time in four-lane accumulators.
void column_sums(const double* x, int32_t rows, int32_t d, double* sums) {
  int32_t j = 0;
  for (; j + 16 <= d; j += 16) {
    v4d s0 = splat(0.0), s1 = s0, s2 = s0, s3 = s0;
    for (int32_t r = 0; r < rows; r++) {
      const double* row = x + (int64_t)r * d + j;
      s0 += load4(row), s1 += load4(row + 4), s2 += load4(row + 8), s3 += load4(row + 12);
    }
    memcpy(sums + j, &s0, sizeof s0), memcpy(sums + j + 4, &s1, sizeof s1);
    memcpy(sums + j + 8, &s2, sizeof s2), memcpy(sums + j + 12, &s3, sizeof s3);
  }
  for (; j + 4 <= d; j += 4) {
    v4d s0 = splat(0.0);
    for (int32_t r = 0; r < rows; r++) s0 += load4(x + (int64_t)r * d + j);
    memcpy(sums + j, &s0, sizeof s0);
  }
  for (; j < d; j++) {
    double s = 0;
    for (int32_t r = 0; r < rows; r++) s += x[(int64_t)r * d + j];
    sums[j] = s;
  }
}

// scatterMatrix's operands (lib/numerics/matrix.ts): columns[j * rows + r] = x[r * d + j] - centre[j] and, where w
// is given, weighted[j * rows + r] = columns[j * rows + r] * w[r]: the transposition in blocks of rows that stay
// in cache while every coordinate is copied out.
void centred_columns(const double* x, int32_t rows, int32_t d, const double* centre, const double* w,
                     double* columns, double* weighted) {
  enum { ROWS = 64 };
  for (int32_t start = 0; start < rows; start += ROWS) {
    const int32_t end = rows - start < ROWS ? rows : start + ROWS;
    for (int32_t j = 0; j < d; j++) {
      double* column = columns + (int64_t)j * rows;
      for (int32_t r = start; r < end; r++) column[r] = x[(int64_t)r * d + j] - centre[j];
      if (w) {
        double* out = weighted + (int64_t)j * rows;
        for (int32_t r = start; r < end; r++) out[r] = column[r] * w[r];
      }
    }
  }
}

// The operands of least squares on design rows drawn with repeats (fitRowTotals in lib/models/linear_regression.ts):
// for the k drawn rows drawn[i] of the transposed design t (d x n), columns[j * k + i] = t[j * n + drawn[i]],
// weighted[j * k + i] = that value times counts[drawn[i]], and xty[j] = sum over i, in order, of the value times
// labelSums[drawn[i]] (the TypeScript loop's operations in its order: the same bits).
void drawn_columns(const double* t, int32_t n, int32_t d, const int32_t* drawn, int32_t k, const double* counts,
                   const double* label_sums, double* columns, double* weighted, double* xty) {
  for (int32_t j = 0; j < d; j++) {
    const double* from = t + (int64_t)j * n;
    double* to = columns + (int64_t)j * k;
    double* to_weighted = weighted + (int64_t)j * k;
    double sum = 0;
    for (int32_t i = 0; i < k; i++) {
      int32_t row = drawn[i];
      double v = from[row];
      to[i] = v;
      to_weighted[i] = v * counts[row];
      sum += v * label_sums[row];
    }
    xty[j] = sum;
  }
}
