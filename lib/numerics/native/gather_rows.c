// A pool's selected rows (lib/numerics/matrix.ts's MatrixPool.select in C). Part of kernels.c.
#include <stdint.h>
#include <string.h>

// Rows prefetched ahead of the copy: a selection from a pool larger than the cache otherwise waits on memory row by
// row, one miss (and often a page walk) at a time.
#define GATHER_AHEAD 16

typedef struct {
  const uint64_t* parts;  // part p's address
  const int32_t* starts;  // part p's first row
  int32_t count;          // parts
  int32_t uniform;        // rows per part when every part but the last has that many, else 0
  int32_t cols;
} pool_t;

// The start of pool row `row`: part p holds rows starts[p] .. starts[p + 1] - 1, `cols` values a row.
static inline const double* pool_row(const pool_t* pool, int32_t row) {
  int32_t lo = 0;
  if (pool->uniform > 0) {
    lo = row / pool->uniform;
    if (lo > pool->count - 1) lo = pool->count - 1;
  } else {
    int32_t hi = pool->count - 1;  // the last part starting at or before row
    while (lo < hi) {
      int32_t mid = (lo + hi + 1) >> 1;
      if (pool->starts[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
  }
  return (const double*)(uintptr_t)pool->parts[lo] + (int64_t)(row - pool->starts[lo]) * pool->cols;
}

// Copies pool rows indices[0..count) in order into out (count x cols). Returns -1, or the position of the first
// index outside [0, size) (then nothing is copied).
int32_t gather_rows(const uint64_t* parts, const int32_t* starts, int32_t count_parts, int32_t uniform, int32_t size,
                    int32_t cols, const int32_t* indices, int32_t count, double* out) {
  for (int32_t i = 0; i < count; i++)
    if (indices[i] < 0 || indices[i] >= size) return i;
  pool_t pool = {parts, starts, count_parts, uniform, cols};
  int64_t bytes = (int64_t)cols * 8;
  for (int32_t i = 0; i < count; i++) {
    if (i + GATHER_AHEAD < count) {
      const char* ahead = (const char*)pool_row(&pool, indices[i + GATHER_AHEAD]);
      for (int64_t b = 0; b < bytes; b += 64) __builtin_prefetch(ahead + b);
      __builtin_prefetch(ahead + bytes - 1);
    }
    memcpy(out + (int64_t)i * cols, pool_row(&pool, indices[i]), bytes);
  }
  return -1;
}

// Least squares from per-row totals (lib/models/linear_regression.ts): for the k drawn rows of a coordinate-major
// matrix t (d x n: coordinate j of row r at t[j n + r]), columns[j k + i] = t[j n + drawn[i]], weighted[j k + i] =
// that times weights[drawn[i]], and xty[j] = the sum over i, in order, of t[j n + drawn[i]] labels[drawn[i]]: the
// operations of the TypeScript loop, so the same bits.
void drawn_columns(const double* t, int32_t n, int32_t d, const int32_t* drawn, int32_t k, const double* weights,
                   const double* labels, double* columns, double* weighted, double* xty) {
  for (int32_t j = 0; j < d; j++) {
    const double* tj = t + (int64_t)j * n;
    double* cj = columns + (int64_t)j * k;
    double* wj = weighted + (int64_t)j * k;
    double sum = 0;
    for (int32_t i = 0; i < k; i++) {
      int32_t row = drawn[i];
      double v = tj[row];
      cj[i] = v;
      wj[i] = v * weights[row];
      sum += v * labels[row];
    }
    xty[j] = sum;
  }
}
