// The discrete pools' tally (lib/models/discrete.ts in C). Part of kernels.c.
#include <stdint.h>

// Sets the bits of the k positions `indices` in the all-zero bit set `b` of a pool of n positions, so that they are
// then visited in increasing order; on a position that repeats or is outside the pool, clears the set and returns 0.
static inline int mark_positions(const int32_t* indices, int32_t k, int64_t n, uint32_t* b) {
  for (int32_t i = 0; i < k; i++) {
    int64_t index = indices[i];
    uint32_t mask = 1u << (index & 31);
    if (index < 0 || index >= n || (b[index >> 5] & mask)) {
      memset(b, 0, (size_t)((n + 31) >> 5) * 4);
      return 0;
    }
    b[index >> 5] |= mask;
  }
  return 1;
}

// The tally of discrete.ts's CountsPool.select (poolTally there, the same loop): adds to tally[] the outcome of each
// of the k distinct positions `indices` of a pool of `size` rolls laid out as runs (run r holds the positions below
// ends[r] and from ends[r - 1], all of outcome outcomes[r]), through the all-zero bit set `bits` (left all zero).
// Returns 0, counting nothing, when a position repeats or is outside the pool.
int32_t pool_tally(const int32_t* indices, int32_t k, double size, int32_t* bits, const double* ends,
                   const int32_t* outcomes, int32_t runs, double* tally) {
  int64_t n = (int64_t)size, words = (n + 31) >> 5;
  uint32_t* b = (uint32_t*)bits;
  if (!mark_positions(indices, k, n, b)) return 0;
  int32_t a = 0;
  for (int64_t w = 0; w < words; w++) {
    uint32_t set = b[w];
    if (!set) continue;
    b[w] = 0;
    for (; set; set &= set - 1) {
      double index = (double)((w << 5) + __builtin_ctz(set));
      if (ends[a] <= index) {
        int32_t step = 1, c = a + 1;
        while (c < runs && ends[c] <= index) {
          a = c;
          step *= 2;
          c = a + step;
        }
        int32_t high = c < runs - 1 ? c : runs - 1;
        a++;
        while (a < high) {
          int32_t mid = (a + high) >> 1;
          if (ends[mid] > index) high = mid;
          else a = mid + 1;
        }
      }
      tally[outcomes[a]] += 1;
    }
  }
  return 1;
}

// pool_tally for a pool that keeps its rolls one per position (rolls[p], int32): the same tally, by look-up.
int32_t pool_tally_rolls(const int32_t* indices, int32_t k, double size, int32_t* bits, const int32_t* rolls,
                         double* tally) {
  int64_t n = (int64_t)size, words = (n + 31) >> 5;
  uint32_t* b = (uint32_t*)bits;
  if (!mark_positions(indices, k, n, b)) return 0;
  for (int64_t w = 0; w < words; w++) {
    uint32_t set = b[w];
    if (!set) continue;
    b[w] = 0;
    for (; set; set &= set - 1) tally[rolls[(w << 5) + __builtin_ctz(set)]] += 1;
  }
  return 1;
}
