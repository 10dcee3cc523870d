// The KDE's kernel sums (lib/numerics/kernel_sums.ts in C). Part of kernels.c.
#include "vectors.h"
#ifdef __AVX512F__
#include <immintrin.h>
#endif

// The terms of eight consecutive squared distances qp[0..8) added to acc (lane l: qp[l], then qp[l + 4]), each
// exp(-c q - mi) where q < limit, else +0: with AVX-512 one eight-lane exponential, else two four-lane ones. The
// same operations lane for lane as exp4_unclamped, so the same bits whichever the build. A kept term has
// -c q - mi > -SKIP - 1 (q < limit below), so the exponential's clamp to -708 is left out.
#ifdef __AVX512F__
static inline v8d exp8_unclamped(v8d x) {
  EXP_REDUCE(v8d, splat8, fma8)
  v8i ki = (v8i)shifted;
  __m512i low = _mm512_loadu_si512(EXP2_SIXTEENTHS), high = _mm512_loadu_si512(EXP2_SIXTEENTHS + 8);
  v8i table = (v8i)_mm512_permutex2var_epi64(low, (__m512i)(ki & 15), high);
  return p * (v8d)(table + ((ki >> 4) << 52));
}
static inline v4d add_terms8(const double* qp, double c, double mi, double limit, v4d acc) {
  v8d qv = load8(qp);
  v8d e = (v8d)((v8i)exp8_unclamped(fma8(splat8(-c), qv, splat8(-mi))) & (qv < limit));
  acc += (v4d){e[0], e[1], e[2], e[3]};
  acc += (v4d){e[4], e[5], e[6], e[7]};
  return acc;
}
static inline int32_t count_below(const double* q, int32_t padded, double limit) {
  v8i below = (v8i){0, 0, 0, 0, 0, 0, 0, 0};
  for (int32_t p = 0; p < padded; p += 8) below -= load8(q + p) < limit;  // a true lane is -1
  int64_t total = 0;
  for (int l = 0; l < 8; l++) total += below[l];
  return (int32_t)total;
}
static inline int any_below8(const double* q, double limit) {
  return _mm512_cmp_pd_mask((__m512d)load8(q), _mm512_set1_pd(limit), _CMP_LT_OQ) != 0;
}
#else
static inline int any_below8(const double* q, double limit) {
  v4i below = (load4(q) < limit) | (load4(q + 4) < limit);
  return (below[0] | below[1] | below[2] | below[3]) != 0;
}
static inline v4d add_terms8(const double* qp, double c, double mi, double limit, v4d acc) {
  v4d q0 = load4(qp), q1 = load4(qp + 4);
  acc += (v4d)((v4i)exp4_unclamped(fma4(splat(-c), q0, splat(-mi))) & (q0 < limit));
  acc += (v4d)((v4i)exp4_unclamped(fma4(splat(-c), q1, splat(-mi))) & (q1 < limit));
  return acc;
}
static inline int32_t count_below(const double* q, int32_t padded, double limit) {
  v4i below = (v4i){0, 0, 0, 0};
  for (int32_t p = 0; p < padded; p += 4) below -= load4(q + p) < limit;
  return (int32_t)(below[0] + below[1] + below[2] + below[3]);
}
#endif

// The kept kernel terms of one test point against one block: acc (lane l sums the terms of positions p = l mod 4,
// in increasing p) plus exp(-c q[p] - mi) for each q[p] < limit. q holds `padded` values (a multiple of 8; pads are
// +inf). Two routes, the same sums: every position (an exponential each, masked), or, when at most a third of the
// terms are kept, the kept ones only, gathered lane by lane into `kept` (row j holds lane l's j-th kept value at
// kept[4 j + l], rows padded with +inf, masked as before), so that each lane adds the same values in the same
// order and +0 (no change: a sum of positive terms from +0 is never -0) where the other route adds +0. When at most
// a sixteenth are kept, the gathering passes over runs of eight positions with none kept (a branch that pays only
// where such runs are the rule: it would be mispredicted at denser blocks).
// `dense` (in and out): whether the last count found the block dense; while it holds, only every DENSE_RECOUNT-th
// call counts again, the others take the first route without counting (either route gives the same sums).
#define DENSE_RECOUNT 8
static inline v4d add_kept_terms(const double* q, int32_t padded, double c, double mi, double limit, v4d acc,
                                 double* kept, int32_t* dense, int32_t call) {
  if (*dense && call % DENSE_RECOUNT != 0) {
    for (int32_t p = 0; p < padded; p += 8) acc = add_terms8(q + p, c, mi, limit, acc);
    return acc;
  }
  int32_t total = count_below(q, padded, limit);
  *dense = total * 3 > padded;
  if (total == 0) return acc;
  if (*dense) {
    for (int32_t p = 0; p < padded; p += 8) acc = add_terms8(q + p, c, mi, limit, acc);
    return acc;
  }
  int32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  int sparse = total * 16 <= padded;
  for (int32_t p = 0; p < padded; p += 4) {
    if (sparse && p % 8 == 0 && !any_below8(q + p, limit)) {
      p += 4;
      continue;
    }
    double v0 = q[p], v1 = q[p + 1], v2 = q[p + 2], v3 = q[p + 3];
    kept[4 * c0] = v0;
    kept[4 * c1 + 1] = v1;
    kept[4 * c2 + 2] = v2;
    kept[4 * c3 + 3] = v3;
    c0 += v0 < limit;
    c1 += v1 < limit;
    c2 += v2 < limit;
    c3 += v3 < limit;
  }
  int32_t counts[4] = {c0, c1, c2, c3}, rows = c0;
  for (int l = 1; l < 4; l++) rows = counts[l] > rows ? counts[l] : rows;
  rows = (rows + 1) & ~1;
  for (int l = 0; l < 4; l++)
    for (int32_t j = counts[l]; j < rows; j++) kept[4 * j + l] = __builtin_inf();
  for (int32_t j = 0; j < rows; j += 2) acc = add_terms8(kept + 4 * j, c, mi, limit, acc);
  return acc;
}

// The squared distances from the test point xi to the block's `size` training points (coordinate j of point p at
// y[j * n + p]) into q[0..size), eight (else four) at a time, then one by one; returns their minimum. Every q[p]
// is the same sum in the same order whichever the width, so the same bits.
typedef struct {
  int32_t n, d, size;
} range;
// One width's pass: WIDTH points at a time while a whole vector fits, lowering `nearest`.
#define DISTANCES(V, WIDTH, SPLAT, LOAD, SELECT, FMA)                                      \
  {                                                                                   \
    V best = SPLAT(nearest);                                                          \
    for (; p + WIDTH <= r.size; p += WIDTH) {                                         \
      V s = SPLAT(0.0);                                                               \
      for (int32_t j = 0; j < r.d; j++) {                                             \
        V diff = xi[j] - LOAD(y + (int64_t)j * r.n + p);                              \
        s = FMA(diff, diff, s);                                                       \
      }                                                                               \
      memcpy(q + p, &s, sizeof s);                                                    \
      best = SELECT(s < best, s, best);                                               \
    }                                                                                 \
    for (int l = 0; l < WIDTH; l++) nearest = best[l] < nearest ? best[l] : nearest;  \
  }
static inline double block_distances(const double* xi, const double* y, range r, double* q) {
  int32_t p = 0;
  double nearest = __builtin_inf();
#ifdef __AVX512F__
  DISTANCES(v8d, 8, splat8, load8, select8, fma8)
#endif
  DISTANCES(v4d, 4, splat, load4, select4, fma4)
  for (; p < r.size; p++) {
    double s = 0;
    for (int32_t j = 0; j < r.d; j++) {
      double diff = xi[j] - y[(int64_t)j * r.n + p];
      s = __builtin_fma(diff, diff, s);
    }
    q[p] = s;
    nearest = s < nearest ? s : nearest;
  }
  return nearest;
}

// Terms below e^-SKIP times the running maximum change a sum by less than 2e-22 each: not computed.
#define SKIP 50.0
#define BLOCK 1024
// Points per group: each group of GROUP consecutive points has a bounding box. A point farther from a test point
// than the farthest corner of some box plus the cutoff's reach is below e^-SKIP of the largest term the call will
// see, and a group whose box lies past the cutoff can be skipped without computing its distances: with points in
// spatial order (spatial_order.ts) the boxes are small and most groups of a large set lie past a test point's
// cutoff where h is small.
#define GROUP 64
#define MAX_DIM 8

#include "kde_fused.c"  // the one-pass route: fused_terms

// The bounding box of every group: lo and hi of coordinate j of group g at box[(2 j) * groups + g] and
// box[(2 j + 1) * groups + g].
static void group_boxes(const double* y, int32_t n, int32_t d, int32_t groups, double* box) {
  for (int32_t j = 0; j < d; j++) {
    const double* yj = y + (int64_t)j * n;
    for (int32_t g = 0; g < groups; g++) {
      int32_t from = g * GROUP, to = from + GROUP < n ? from + GROUP : n;
      double lo = yj[from], hi = yj[from];
      for (int32_t p = from + 1; p < to; p++) {
        lo = yj[p] < lo ? yj[p] : lo;
        hi = yj[p] > hi ? yj[p] : hi;
      }
      box[2 * j * groups + g] = lo;
      box[(2 * j + 1) * groups + g] = hi;
    }
  }
}

// Rounding margins: the computed squared distance of a point in a box is within a few ulps of the exact one, so a
// bound taken 2^-40 beyond the exact bound holds for the computed distances too.
#define BELOW (1 - 0x1p-40)
#define ABOVE (1 + 0x1p-40)

// Per group g of [from, to): a lower bound of the squared distances from xi to its points (near[g]) and, where far
// is given, an upper bound (far[g]).
static void box_bounds(const double* xi, const double* box, int32_t d, int32_t groups, int32_t from, int32_t to,
                       double* near, double* far) {
  for (int32_t g = 0; g < to - from; g++) {
    near[g] = 0;
    if (far) far[g] = 0;
  }
  for (int32_t j = 0; j < d; j++) {
    const double *lo = box + 2 * j * groups, *hi = box + (2 * j + 1) * groups;
    for (int32_t g = from; g < to; g++) {
      double below = lo[g] - xi[j], above = xi[j] - hi[g];
      double gap = below > 0 ? below : above > 0 ? above : 0.0;
      near[g - from] += gap * gap;
      if (far) {
        double a = xi[j] - lo[g], b = hi[g] - xi[j], reach = a > b ? a : b;
        far[g - from] += reach * reach;
      }
    }
  }
  for (int32_t g = 0; g < to - from; g++) {
    near[g] *= BELOW;
    if (far) far[g] *= ABOVE;
  }
}

// Adds the n training points y (coordinate-major: coordinate j of point p at y[j * n + p]) to the kernel sums of
// the m test points x (row-major, m x d). Gaussian kernel (tophat == 0), with c = 1 / (2 h^2): each test point
// keeps `max`, the largest log-kernel value -c |x - y|^2 seen, and `sum` = sum of exp(value - max). Top-hat kernel
// (tophat != 0): `sum` counts the points with |x - y|^2 < radius2 and `max` is 0. Training points are taken in
// blocks that stay in cache while every test point passes over them. Per test point and block, where every point
// of the block may be kept (always without bounds), one pass adds the terms relative to the running maximum and
// rescales to the block's largest after (fused_terms); else, and for a new sum far below 1, one pass writes the
// squared distances and their minimum, the running maximum is updated once, and a second pass adds the
// exponentials of the terms above e^-SKIP of the maximum. With bounds (1 or 2; 0 is the plain loop above), a call
// of more than one block also leaves out the points beyond the reach of every term it keeps: SKIP / c past an upper
// bound of the test point's nearest squared distance (the state's, or the farthest corner of a group's bounding
// box). With bounds == 2, a block or a group of it whose bounding box lies past a test point's cutoff gets +inf
// distances instead of computed ones: its points could neither raise the maximum nor be kept, so the sums are the
// same bits as with bounds == 1.
void kde_add_sums(const double* x, int32_t m, const double* y, int32_t n, int32_t d, double c, double radius2,
                  int32_t tophat, int32_t bounds, double* max, double* sum) {
  double q[BLOCK + 8], kept[BLOCK + 16], near[BLOCK / GROUP], far[BLOCK / GROUP];
  int32_t groups = (n + GROUP - 1) / GROUP, bounded = bounds > 0 && !tophat && d <= MAX_DIM && n > BLOCK;
  // reach[i]: the largest squared distance a kept term of test point i can have (+inf: no bound).
  double* box = bounded ? malloc(sizeof(double) * 2 * d * groups) : NULL;
  double* reach = bounded ? malloc(sizeof(double) * m) : NULL;
  if (bounded && (!box || !reach)) bounded = 0;
  if (bounded) {
    group_boxes(y, n, d, groups, box);
    for (int32_t i = 0; i < m; i++) {
      double best = max[i] == -__builtin_inf() ? __builtin_inf() : -max[i] / c;
      for (int32_t from = 0; from < groups; from += BLOCK / GROUP) {
        int32_t to = from + BLOCK / GROUP < groups ? from + BLOCK / GROUP : groups;
        box_bounds(x + (int64_t)i * d, box, d, groups, from, to, near, far);
        for (int32_t g = 0; g < to - from; g++) best = far[g] < best ? far[g] : best;
      }
      reach[i] = best * ABOVE + SKIP / c;
    }
  }
  for (int32_t start = 0; start < n; start += BLOCK) {
    int32_t size = n - start < BLOCK ? n - start : BLOCK;
    int32_t padded = (size + 7) & ~7, dense = 0, first = start / GROUP, last = (start + size + GROUP - 1) / GROUP;
    range block = {n, d, size};
    double tail[MAX_DIM * 8];  // the block's last points for the one-pass route
    if (!tophat && d <= MAX_DIM) fused_tail(y + start, block, tail);
    // The block's own box (coordinate j: lo at whole[2 j], hi at whole[2 j + 1]), the union of its groups'.
    double whole[2 * MAX_DIM];
    for (int32_t j = 0; bounded && j < d; j++) {
      whole[2 * j] = __builtin_inf(), whole[2 * j + 1] = -__builtin_inf();
      for (int32_t g = first; g < last; g++) {
        double lo = box[2 * j * groups + g], hi = box[(2 * j + 1) * groups + g];
        whole[2 * j] = lo < whole[2 * j] ? lo : whole[2 * j];
        whole[2 * j + 1] = hi > whole[2 * j + 1] ? hi : whole[2 * j + 1];
      }
    }
    for (int32_t i = 0; i < m; i++) {
      const double* xi = x + (int64_t)i * d;
      double bound = bounded ? reach[i] : __builtin_inf();
      double cutoff = max[i] == -__builtin_inf() ? bound : (SKIP - max[i]) / c;
      cutoff = bound < cutoff ? bound : cutoff;
      double nearest = __builtin_inf();
      int32_t by_group = 0, fused = !tophat && d <= MAX_DIM;
      if (bounded) {
        double block_near, block_far;
        box_bounds(xi, whole, d, 1, 0, 1, &block_near, &block_far);
        if (bounds == 2 && !(block_near < cutoff)) continue;  // the whole block past the cutoff
        by_group = bounds == 2 && !(block_far < cutoff);       // else every point may be kept: no group to skip
        fused = fused && block_far < cutoff;  // (both bounds alike: the same bits)
      }
      if (by_group) {
        box_bounds(xi, box, d, groups, first, last, near, NULL);
        int32_t any = 0;
        for (int32_t g = 0; g < last - first; g++) any |= near[g] < cutoff;
        if (!any) continue;  // every group past the cutoff: the sums stay as they are
        // Runs of groups to compute, each in one pass; the others +inf.
        for (int32_t g = 0; g < last - first;) {
          int32_t skip = near[g] >= cutoff, h = g + 1;
          while (h < last - first && (near[h] >= cutoff) == skip) h++;
          int32_t from = g * GROUP, to = h * GROUP < size ? h * GROUP : size;
          if (skip) {
            for (int32_t p = from; p < to; p++) q[p] = __builtin_inf();
          } else {
            double run = block_distances(xi, y + start + from, (range){n, d, to - from}, q + from);
            nearest = run < nearest ? run : nearest;
          }
          g = h;
        }
      } else {
        if (fused && (max[i] == -__builtin_inf() || max[i] >= -FUSED_LOW)) {
          // One pass, the terms relative to the running maximum (to 1 for a new sum), then rescaled to the block's
          // largest where that is larger. A new sum whose largest term is below e^-FUSED_LOW takes the two passes.
          double mi = max[i];
          int32_t fresh = mi == -__builtin_inf();
          double part = fused_terms(xi, y + start, tail, block, c, fresh ? 0.0 : mi, &nearest);
          double top = -c * nearest;
          if (!fresh || top >= -FUSED_LOW) {
            if (fresh) {
              sum[i] = part / exp1(top);  // the same operations as the largest term's: a one-point sum is exactly 1
              max[i] = top;
            } else if (top > mi) {
              sum[i] = (sum[i] + part) * exp1(mi - top);
              max[i] = top;
            } else {
              sum[i] += part;
            }
            continue;
          }
        }
        nearest = block_distances(xi, y + start, block, q);
      }
      if (tophat) {
        int64_t count = 0;
        for (int32_t p = 0; p < size; p++) count += q[p] < radius2;
        max[i] = 0;
        sum[i] += (double)count;
        continue;
      }
      if (!(nearest < cutoff)) continue;  // no term kept, the maximum not raised: the sums stay as they are
      for (int32_t p = size; p < padded; p++) q[p] = __builtin_inf();
      double mi = max[i], s = sum[i];
      double top = -c * nearest;
      if (top > mi) {
        s = mi == -__builtin_inf() ? 0.0 : s * exp1(mi - top);
        mi = top;
      }
      // value - max > -SKIP  <=>  q < (SKIP - max) / c
      double limit = (SKIP - mi) / c;
      limit = bound < limit ? bound : limit;
      v4d acc = add_kept_terms(q, padded, c, mi, limit, splat(0.0), kept, &dense, i);
      max[i] = mi;
      sum[i] = s + ((acc[0] + acc[1]) + (acc[2] + acc[3]));
    }
  }
  free(box);
  free(reach);
}
