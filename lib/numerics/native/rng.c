// Part of kernels.c.
#include "vectors.h"

// The seeded generator of lib/numerics/rng.ts in C: xoshiro128** on the very state words of a JS `Rng` (an
// Int32Array of 4, read and written in place), and its uniform, integer, normal (ziggurat), gamma, binomial and
// multinomial draws, operation for operation as rng.ts and discrete.ts write them, so both routes give the same
// bits. Where the TypeScript route calls the engine's Math.exp or Math.log, this code decides with the C library's
// exp and log (each within 1 ulp of the true value, so within 2 ulp of the engine's) only when the decision is
// clear by a margin a thousand times wider than that; otherwise, and where a drawn VALUE (not a decision) would
// come from exp or log (the ziggurat's tail, rare), it restores the state as it was before the draw and returns,
// so that the caller draws that one value in TypeScript and then continues here. pow, which V8 takes from the C
// library, is called as V8 calls it (and skipped where (x*x)*(x*x) decides x^4's comparison by a margin).
// lib/numerics/rng.ts checks on first use that both routes agree on a sample of every kind of draw.

#include <math.h>

typedef struct {
  uint32_t s[4];
} rng_t;

static inline uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static inline uint32_t next_u32(rng_t* g) {
  uint32_t s1 = g->s[1];
  uint32_t r = rotl32(s1 * 5u, 7) * 9u;
  uint32_t t = s1 << 9;
  g->s[2] ^= g->s[0];
  g->s[3] ^= g->s[1];
  g->s[1] ^= g->s[2];
  g->s[0] ^= g->s[3];
  g->s[2] ^= t;
  g->s[3] = rotl32(g->s[3], 11);
  return r;
}

static inline double next_random(rng_t* g) {
  uint32_t hi = next_u32(g) >> 5, lo = next_u32(g) >> 6;
  return ((double)hi * 67108864.0 + (double)lo) / 9007199254740992.0;
}

// A uniform integer in [0, n) for 1 <= n <= 2^32, by rejection at the top of the 32-bit range.
static inline uint32_t next_int(rng_t* g, uint64_t n) {
  uint64_t limit = 4294967296ull - (4294967296ull % n);
  uint64_t x = next_u32(g);
  while (x >= limit) x = next_u32(g);
  return (uint32_t)(x % n);
}

// The ziggurat's tables, as rng.ts computes them (passed in, so both routes use the very same doubles): x[0..128],
// ratio[0..127] and xsq[0..128] = x[i] ** 2 as the engine computes it.
typedef struct {
  const double* x;
  const double* ratio;
  const double* xsq;
} zig_t;

// Decisions by the C library's exp/log are trusted when clear by this relative margin (the two libraries differ
// by at most ~4.4e-16 relative; the arithmetic after them adds a few ulp).
#define MARGIN 1e-12

// One standard normal into *out; 0 when the TypeScript route must draw it (state restored).
__attribute__((always_inline)) static inline int normal1(rng_t* g, const zig_t* z, double* out) {
  rng_t saved = *g;
  for (;;) {
    uint32_t hi = next_u32(g), lo = next_u32(g);
    double u = 2 * (((double)(hi >> 5) * 67108864.0 + (double)(lo >> 6)) / 9007199254740992.0) - 1;
    int layer = (int)((hi & 0x1f) | ((lo & 0x3) << 5));
    if (fabs(u) < z->ratio[layer]) {
      *out = u * z->x[layer];
      return 1;
    }
    if (layer == 0) break;  // the tail: its value comes from Math.log
    double x = u * z->x[layer];
    double f0 = exp(-0.5 * (z->xsq[layer] - x * x));
    double f1 = exp(-0.5 * (z->xsq[layer + 1] - x * x));
    double value = f1 + next_random(g) * (f0 - f1);
    double margin = MARGIN * (fabs(f0) + fabs(f1) + 1);
    if (value < 1 - margin) {
      *out = x;
      return 1;
    }
    if (!(value >= 1 + margin)) break;  // too close to call (or NaN)
  }
  *g = saved;
  return 0;
}

// Fills out[start .. count) with normals; returns where it stopped (count: done; else out[i] is the TypeScript
// route's to draw, the state being as before it).
int32_t rng_fill_normal(int32_t* state, const double* zx, const double* zratio, const double* zxsq, double* out,
                        int32_t start, int32_t count) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  zig_t z = {zx, zratio, zxsq};
  int32_t i = start;
  for (; i < count; i++)
    if (!normal1(&g, &z, out + i)) break;
  memcpy(state, g.s, sizeof g.s);
  return i;
}

// Gaussian-KDE samples rows start.. of out (count x d): per row, a training point i = rng.int(rows), then
// out = points[i] + h z coordinate by coordinate, z normal, as sampleKde draws them (lib/models/kde.ts); returns
// where it stopped (count: done; else that row is the TypeScript route's to draw, the state being as before it).
// In chunks of KDE_CHUNK rows: first every draw, in the stream's order (h z into out, i kept), then the training
// points, each prefetched KDE_AHEAD rows before it is added: a large pool's rows miss the cache, and the draws
// would otherwise wait on them one at a time. The same operations on the same values as drawing row by row.
#define KDE_CHUNK 256
#define KDE_AHEAD 16
int32_t rng_kde_sample(int32_t* state, const double* zx, const double* zratio, const double* zxsq,
                       const double* points, int32_t rows, int32_t d, double h, double* out, int32_t start,
                       int32_t count) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  zig_t z = {zx, zratio, zxsq};
  int32_t r = start, chosen[KDE_CHUNK];
  while (r < count) {
    int32_t first = r, end = count - r < KDE_CHUNK ? count : r + KDE_CHUNK, stopped = 0;
    for (; r < end; r++) {
      rng_t saved = g;
      chosen[r - first] = (int32_t)next_int(&g, (uint64_t)rows);
      double* o = out + (int64_t)r * d;
      int32_t k = 0;
      double noise;
      for (; k < d && normal1(&g, &z, &noise); k++) o[k] = h * noise;
      if (k < d) {
        g = saved;
        stopped = 1;
        break;
      }
    }
    for (int32_t i = first; i < r; i++) {
      if (i + KDE_AHEAD < r) __builtin_prefetch(points + (int64_t)chosen[i + KDE_AHEAD - first] * d);
      const double* y = points + (int64_t)chosen[i - first] * d;
      double* o = out + (int64_t)i * d;
      for (int32_t k = 0; k < d; k++) o[k] = y[k] + o[k];
    }
    if (stopped) break;
  }
  memcpy(state, g.s, sizeof g.s);
  return r;
}

// A Gamma(shape, 1) draw for shape >= 1 (Marsaglia and Tsang, as Rng.gamma); 0 when the TypeScript route must
// draw it (state restored by the caller, which saved it).
static inline int gamma1(rng_t* g, const zig_t* z, double shape, double* out) {
  double d = shape - 1.0 / 3, c = 1 / sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      if (!normal1(g, z, &x)) return 0;
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    double u = next_random(g);
    // u < 1 - 0.0331 * x ** 4 (the engine's pow): (x*x)*(x*x) is within 2 ulp of it.
    double x2 = x * x, x4 = x2 * x2;
    double threshold = 1 - 0.0331 * x4, margin = MARGIN * (1 + 0.0331 * x4);
    int squeeze;
    if (u < threshold - margin) squeeze = 1;
    else if (u >= threshold + margin) squeeze = 0;
    else squeeze = u < 1 - 0.0331 * pow(x, 4);
    if (squeeze) {
      *out = d * v;
      return 1;
    }
    double lu = log(u), lv = log(v), t = 1 - v + lv;
    if (!isfinite(lu) || !isfinite(lv)) return 0;
    double rhs = 0.5 * x * x + d * t;
    double m = MARGIN * (1 + fabs(lu) + 0.5 * x * x + d * (fabs(lv) + fabs(t)));
    if (lu < rhs - m) {
      *out = d * v;
      return 1;
    }
    if (!(lu >= rhs + m)) return 0;
  }
}

// Sequential inversion for Binomial(n, p) with a small mean, as discrete.ts's binomialInversion.
static double binomial_inversion(rng_t* g, double n, double p) {
  if (p > 0.5) return n - binomial_inversion(g, n, 1 - p);
  double q = 1 - p, s = p / q, a = (n + 1) * s;
  double start = pow(q, n);
  for (;;) {
    double u = next_random(g), r = start, x = 0;
    while (u > r) {
      u -= r;
      x++;
      if (x > n) break;
      r *= a / x - s;
    }
    if (x <= n) return x;
  }
}

// Binomial(trials, p) as discrete.ts's binomialDraw (inversion below mean 20, else Knuth's splitting by beta
// order statistics from two gammas); 0 when the TypeScript route must draw it (the caller restores the state).
static int binomial1(rng_t* g, const zig_t* z, double trials, double p, double* out) {
  double n = trials, prob = p, x = 0;
  for (;;) {
    if (n == 0 || prob == 0) break;
    if (prob == 1) {
      x += n;
      break;
    }
    double least = prob < 1 - prob ? prob : 1 - prob;
    if (n * least < 20) {
      x += binomial_inversion(g, n, prob);
      break;
    }
    double a = 1 + floor(n / 2), b = n + 1 - a;
    double ga, gb;
    if (!gamma1(g, z, a, &ga) || !gamma1(g, z, b, &gb)) return 0;
    double split = ga / (ga + gb);
    if (split >= prob) {
      n = a - 1;
      prob = prob / split;
    } else {
      x += a;
      n = b - 1;
      prob = (prob - split) / (1 - split);
    }
  }
  *out = x;
  return 1;
}

// The multinomial draw of discrete.ts's sampleDiscrete from outcome `start` on: drawn[i] for each outcome i of
// `counts` (m of them), io = {rolls left, mass left} updated in place. Returns where it stopped: m when done, else
// the outcome whose binomial the TypeScript route must draw (state as before it).
int32_t rng_multinomial(int32_t* state, const double* zx, const double* zratio, const double* zxsq,
                        const double* counts, int32_t m, double* drawn, int32_t start, double* io) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  zig_t z = {zx, zratio, zxsq};
  double left = io[0], mass = io[1];
  int32_t i = start;
  for (; i < m && left > 0; i++) {
    double c = counts[i], x;
    if (i == m - 1 || c >= mass) x = left;
    else {
      rng_t saved = g;
      if (!binomial1(&g, &z, left, c / mass, &x)) {
        g = saved;
        break;
      }
    }
    drawn[i] = x;
    left -= x;
    mass -= c;
  }
  memcpy(state, g.s, sizeof g.s);
  io[0] = left;
  io[1] = mass;
  return i < m && left > 0 ? i : m;
}

// Gamma draws, for the self-check of lib/numerics/rng.ts: out[i] = Gamma(shapes[i]); returns the count drawn
// before the first the TypeScript route must draw (state as before it).
int32_t rng_gammas(int32_t* state, const double* zx, const double* zratio, const double* zxsq, const double* shapes,
                   double* out, int32_t count) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  zig_t z = {zx, zratio, zxsq};
  int32_t i = 0;
  for (; i < count; i++) {
    rng_t saved = g;
    if (!gamma1(&g, &z, shapes[i], out + i)) {
      g = saved;
      break;
    }
  }
  memcpy(state, g.s, sizeof g.s);
  return i;
}

// rng.int(n) draws into out (n <= 2^32), for KDE sampling and the self-check.
void rng_ints(int32_t* state, double n, double* out, int32_t count) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  for (int32_t i = 0; i < count; i++) out[i] = (double)next_int(&g, (uint64_t)n);
  memcpy(state, g.s, sizeof g.s);
}

// rng.sampleWithoutReplacement(populationSize, k) into out (k distinct integers in draw order): rejection against
// the bit set `taken` (zeroed, populationSize bits, caller's) when 2k <= populationSize, else a partial
// Fisher-Yates shuffle of `items` (populationSize int32, caller's). Integer arithmetic only: the same draws.
void rng_sample_without_replacement(int32_t* state, double population, int32_t k, int32_t* out, uint8_t* taken,
                                    int32_t* items) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  uint64_t n = (uint64_t)population;
  if (2 * (uint64_t)k <= n) {
    for (int32_t i = 0; i < k;) {
      uint32_t j = next_int(&g, n);
      uint8_t mask = (uint8_t)(1u << (j & 7));
      if ((taken[j >> 3] & mask) == 0) {
        taken[j >> 3] |= mask;
        out[i++] = (int32_t)j;
      }
    }
  } else {
    for (uint64_t i = 0; i < n; i++) items[i] = (int32_t)i;
    for (int32_t i = 0; i < k; i++) {
      uint64_t j = (uint64_t)i + next_int(&g, n - (uint64_t)i);
      out[i] = items[j];
      items[j] = items[i];
    }
  }
  memcpy(state, g.s, sizeof g.s);
}

// The bootstrap of lib/plot/bands.ts: `resamples` means of k values drawn with replacement from `values`, each
// index by Lemire's multiply-and-reject on 16 random bits (two per 32-bit word, the low half kept for the next
// index) where k <= 65536, else on 32 bits; the sums taken in draw order, as the TypeScript loop does.
void rng_bootstrap_means(int32_t* state, const double* values, int32_t k, double* means, int32_t resamples) {
  rng_t g;
  memcpy(g.s, state, sizeof g.s);
  if (k <= 65536) {
    uint32_t threshold = 65536u % (uint32_t)k;
    int32_t spare = -1;
    for (int32_t r = 0; r < resamples; r++) {
      double sum = 0;
      for (int32_t j = 0; j < k; j++) {
        uint32_t m;
        do {
          uint32_t h;
          if (spare >= 0) {
            h = (uint32_t)spare;
            spare = -1;
          } else {
            uint32_t u = next_u32(&g);
            h = u >> 16;
            spare = (int32_t)(u & 0xffff);
          }
          m = h * (uint32_t)k;
        } while ((m & 0xffff) < threshold);
        sum += values[m >> 16];
      }
      means[r] = sum / k;
    }
  } else {
    uint32_t threshold = (uint32_t)((4294967296ull - (uint64_t)k) % (uint64_t)k);
    for (int32_t r = 0; r < resamples; r++) {
      double sum = 0;
      for (int32_t j = 0; j < k; j++) {
        uint32_t u = next_u32(&g);
        while (u * (uint32_t)k < threshold) u = next_u32(&g);
        sum += values[((uint64_t)u * (uint64_t)k) >> 32];
      }
      means[r] = sum / k;
    }
  }
  memcpy(state, g.s, sizeof g.s);
}
