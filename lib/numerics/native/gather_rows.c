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
  // Each row is looked up once, GATHER_AHEAD positions before it is copied, and prefetched then.
  const double* ahead[GATHER_AHEAD];
  for (int32_t i = 0; i < count + GATHER_AHEAD; i++) {
    if (i >= GATHER_AHEAD) memcpy(out + (int64_t)(i - GATHER_AHEAD) * cols, ahead[i % GATHER_AHEAD], bytes);
    if (i < count) {
      const char* row = (const char*)pool_row(&pool, indices[i]);
      for (int64_t b = 0; b < bytes; b += 64) __builtin_prefetch(row + b);
      __builtin_prefetch(row + bytes - 1);
      ahead[i % GATHER_AHEAD] = (const double*)row;
    }
  }
  return -1;
}
