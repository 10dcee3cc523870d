// The KDE's kernel sums' one-pass route. Part of kde_sums.c (which includes it where range, MAX_DIM and
// exp8_unclamped are defined).

// The fused route, for a block every point of which may be kept: one pass computes each squared distance q (the
// same sum as block_distances', so the same bits) and adds its term exp(-c q - ref) at once, the terms below
// e^-FLOOR (and the pads, +inf) masked to +0; returns their sum and, in *nearest, the least q. The caller takes ref
// from the running maximum (0 for a new sum, whose largest term must then be at least e^-FUSED_LOW: what the mask
// leaves out is below e^-58 of it, and no term of a carried sum can exceed e^FUSED_LOW) and rescales to the
// block's largest term after. Eight points a step in both builds: with AVX-512 one eight-lane vector, else two
// four-lane ones (lane l of the pair: positions p = l mod 8), reduced in one order, so the same bits whichever
// the build.
#define FLOOR 708.0
#define FUSED_LOW 650.0
// One step of eight points at base (coordinate j at base[j * stride]): lowers best, adds the terms to the lanes.
#ifdef __AVX512F__
#define FUSED_STEP(base, stride)                                                                  \
  {                                                                                               \
    v8d s = splat8(0.0);                                                                          \
    for (int32_t j = 0; j < d; j++) {                                                             \
      v8d diff = point[j] - load8((base) + (int64_t)j * (stride));                                \
      s = fma8(diff, diff, s);                                                                    \
    }                                                                                             \
    best = (v8d)_mm512_min_pd((__m512d)s, (__m512d)best); /* s < best ? s : best, lane by lane */ \
    v8d arg = fma8(minus_c, s, minus_ref);                                                        \
    acc += (v8d)((v8i)exp8_unclamped(arg) & (arg > -FLOOR));                                      \
  }
#else
#if defined(__AVX__)
#define MIN4(a, b) ((v4d)_mm256_min_pd((__m256d)(a), (__m256d)(b)))
#else
#define MIN4(a, b) select4((a) < (b), (a), (b))
#endif
#define FUSED_STEP(base, stride)                                                                  \
  {                                                                                               \
    v4d s0 = splat(0.0), s1 = splat(0.0);                                                         \
    for (int32_t j = 0; j < d; j++) {                                                             \
      v4d d0 = point[j] - load4((base) + (int64_t)j * (stride));                                  \
      v4d d1 = point[j] - load4((base) + (int64_t)j * (stride) + 4);                              \
      s0 = fma4(d0, d0, s0);                                                                      \
      s1 = fma4(d1, d1, s1);                                                                      \
    }                                                                                             \
    best0 = MIN4(s0, best0);                                                                      \
    best1 = MIN4(s1, best1);                                                                      \
    v4d a0 = fma4(minus_c, s0, minus_ref), a1 = fma4(minus_c, s1, minus_ref);                     \
    acc0 += (v4d)((v4i)exp4_unclamped(a0) & (a0 > -FLOOR));                                       \
    acc1 += (v4d)((v4i)exp4_unclamped(a1) & (a1 > -FLOOR));                                       \
  }
#endif
// Inlined with d a constant where it is 1, 2 or 3 (fused_terms), so the coordinates' loop unrolls.
static inline __attribute__((always_inline)) double fused_terms_of(const double* xi, const double* y,
                                                                   const double* tail, range r, double c,
                                                                   double ref, double* nearest, int32_t d) {
  double lanes[8], least;
  int32_t whole = r.size & ~7;
#ifdef __AVX512F__
  v8d point[MAX_DIM];
  for (int32_t j = 0; j < d; j++) point[j] = splat8(xi[j]);
  v8d minus_c = splat8(-c), minus_ref = splat8(-ref), acc = splat8(0.0), best = splat8(__builtin_inf());
  for (int32_t p = 0; p < whole; p += 8) FUSED_STEP(y + p, r.n)
  if (whole < r.size) FUSED_STEP(tail, 8)
  memcpy(lanes, &acc, sizeof lanes);
  least = best[0];
  for (int l = 1; l < 8; l++) least = best[l] < least ? best[l] : least;
#else
  v4d point[MAX_DIM];
  for (int32_t j = 0; j < d; j++) point[j] = splat(xi[j]);
  v4d minus_c = splat(-c), minus_ref = splat(-ref), acc0 = splat(0.0), acc1 = splat(0.0);
  v4d best0 = splat(__builtin_inf()), best1 = best0;
  for (int32_t p = 0; p < whole; p += 8) FUSED_STEP(y + p, r.n)
  if (whole < r.size) FUSED_STEP(tail, 8)
  memcpy(lanes, &acc0, sizeof acc0);
  memcpy(lanes + 4, &acc1, sizeof acc1);
  least = best0[0];
  for (int l = 1; l < 4; l++) least = best0[l] < least ? best0[l] : least;
  for (int l = 0; l < 4; l++) least = best1[l] < least ? best1[l] : least;
#endif
  *nearest = least;
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}
// The block's last size mod 8 points, coordinate j at tail[8 j + l], padded with +inf: one per block, for every test
// point's last step.
static inline void fused_tail(const double* y, range r, double* tail) {
  int32_t whole = r.size & ~7;
  for (int32_t j = 0; j < r.d; j++)
    for (int32_t l = 0; l < 8; l++) tail[j * 8 + l] = whole + l < r.size ? y[(int64_t)j * r.n + whole + l] : __builtin_inf();
}
static inline double fused_terms(const double* xi, const double* y, const double* tail, range r, double c, double ref,
                                 double* nearest) {
  switch (r.d) {
    case 1: return fused_terms_of(xi, y, tail, r, c, ref, nearest, 1);
    case 2: return fused_terms_of(xi, y, tail, r, c, ref, nearest, 2);
    case 3: return fused_terms_of(xi, y, tail, r, c, ref, nearest, 3);
    default: return fused_terms_of(xi, y, tail, r, c, ref, nearest, r.d);
  }
}
