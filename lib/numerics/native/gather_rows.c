// A pool's selected rows (lib/numerics/matrix.ts's MatrixPool.select in C). Part of kernels.c.
#include <stdint.h>
#include <string.h>

// Rows prefetched ahead of the copy: a selection from a pool larger than the cache otherwise waits on memory row by
// row, one miss (and often a page walk) at a time.
#define GATHER_AHEAD 16

// The start of pool row `row`: part p holds rows starts[p] .. starts[p + 1] - 1 at parts[p], `cols` values a row.
static inline const double* pool_row(const uint64_t* parts, const int32_t* starts, int32_t count_parts, int32_t cols,
                                     int32_t row) {
  int32_t lo = 0, hi = count_parts - 1;  // the last part starting at or before row
  while (lo < hi) {
    int32_t mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= row) lo = mid;
    else hi = mid - 1;
  }
  return (const double*)(uintptr_t)parts[lo] + (int64_t)(row - starts[lo]) * cols;
}

// Copies pool rows indices[0..count) in order into out (count x cols). Returns -1, or the position of the first
// index outside [0, size) (then nothing is copied).
int32_t gather_rows(const uint64_t* parts, const int32_t* starts, int32_t count_parts, int32_t size, int32_t cols,
                    const int32_t* indices, int32_t count, double* out) {
  for (int32_t i = 0; i < count; i++)
    if (indices[i] < 0 || indices[i] >= size) return i;
  int64_t bytes = (int64_t)cols * 8;
  for (int32_t i = 0; i < count; i++) {
    if (i + GATHER_AHEAD < count) {
      const char* ahead = (const char*)pool_row(parts, starts, count_parts, cols, indices[i + GATHER_AHEAD]);
      for (int64_t b = 0; b < bytes; b += 64) __builtin_prefetch(ahead + b);
      __builtin_prefetch(ahead + bytes - 1);
    }
    memcpy(out + (int64_t)i * cols, pool_row(parts, starts, count_parts, cols, indices[i]), bytes);
  }
  return -1;
}
