/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman and Vigna), 32-bit
 * integer arithmetic only, so the same seed gives the same uniform stream bit
 * for bit on every machine and JavaScript engine. Normals use a ziggurat whose
 * rare slow path needs `Math.exp` and `Math.log`: the same on every machine
 * with the same engine (Deno 2.9.6 here), while other engines may differ in
 * their last bit for a few inputs (measured: Chromium's log and exp for about
 * 0.05% of inputs; see explore/browser_test.ts), which the golden values in
 * rng_test.ts would show.
 *
 * @module
 */

import { fnv1a32 } from "./hash.ts";
import { nativeKernels, type NativeRng, type ZigguratTables } from "./native/mod.ts";

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

// Ziggurat tables (Doornik 2005, "An improved ziggurat method to generate
// normal random samples"): 128 layers of equal area V under exp(-x^2/2).
const ZIGGURAT_R = 3.442619855899;
const ZIGGURAT_V = 9.91256303526217e-3;
const ZIGGURAT_X = new Float64Array(129);
const ZIGGURAT_RATIO = new Float64Array(128);
{
  const f = Math.exp(-0.5 * ZIGGURAT_R * ZIGGURAT_R);
  ZIGGURAT_X[0] = ZIGGURAT_V / f;
  ZIGGURAT_X[1] = ZIGGURAT_R;
  for (let i = 2; i < 128; i++) {
    const previous = ZIGGURAT_X[i - 1];
    ZIGGURAT_X[i] = Math.sqrt(
      -2 *
        Math.log(ZIGGURAT_V / previous + Math.exp(-0.5 * previous * previous)),
    );
  }
  ZIGGURAT_X[128] = 0;
  for (let i = 0; i < 128; i++) {
    ZIGGURAT_RATIO[i] = ZIGGURAT_X[i + 1] / ZIGGURAT_X[i];
  }
}
// ZIGGURAT_X[i] ** 2 as normal() computes it (the engine's pow), for the native route.
const ZIGGURAT_XSQ = ZIGGURAT_X.map((x) => x ** 2);
const TABLES: ZigguratTables = { x: ZIGGURAT_X, ratio: ZIGGURAT_RATIO, xsq: ZIGGURAT_XSQ };

/** Checks that `value` is a non-negative safe integer, naming `field` otherwise. */
export function assertSeed(
  value: unknown,
  field = "seed",
): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${field} must be a non-negative integer (0 to 2^53 - 1), got ${JSON.stringify(value)}`,
    );
  }
}

/** splitmix32: expands one 32-bit word into well-mixed words for seeding. */
function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A seeded random generator with uniform, integer and normal draws. */
export class Rng {
  // Typed storage: int32 state words outside V8's small-integer range would
  // otherwise be boxed as heap numbers on every update (a 10x slowdown).
  #state = new Int32Array(4);

  /**
   * Seeds the generator from an integer seed and optional stream keys, so that
   * independent streams of one run (its data, each workflow) are derived from
   * one user-facing seed: `new Rng(7, "data")` and `new Rng(7, "Replace")`
   * never overlap in practice.
   */
  constructor(seed: number, ...streamKeys: (string | number)[]) {
    assertSeed(seed);
    let h1 = (seed % TWO_POW_32) >>> 0;
    let h2 = Math.floor(seed / TWO_POW_32) >>> 0;
    for (const key of streamKeys) {
      h1 = fnv1a32(`${h1}|${key}`, 0x811c9dc5 ^ h2);
      h2 = fnv1a32(`${key}|${h2}`, 0x01000193 ^ h1);
    }
    const state = { x: h1 ^ Math.imul(h2, 0x9e3779b9) };
    const words = this.#state;
    for (let i = 0; i < 4; i++) words[i] = splitmix32(state);
    if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const w = this.#state;
    const s1 = w[1];
    let r = Math.imul(s1, 5);
    r = Math.imul((r << 7) | (r >>> 25), 9);
    const t = s1 << 9;
    w[2] ^= w[0];
    w[3] ^= w[1];
    w[1] ^= w[2];
    w[0] ^= w[3];
    w[2] ^= t;
    w[3] = (w[3] << 11) | (w[3] >>> 21);
    return r >>> 0;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new RangeError(`n must be a positive integer, got ${n}`);
    }
    if (n <= TWO_POW_32) {
      // Rejection sampling on the top of the 32-bit range removes the bias.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      let x = this.nextUint32();
      while (x >= limit) x = this.nextUint32();
      return x % n;
    }
    return Math.floor(this.random() * n);
  }

  /**
   * A standard normal draw: Doornik's ZIGNOR ziggurat (128 layers), with the
   * layer index taken from bits that the uniform does not use, so index and
   * value are independent. About 99% of draws cost one uniform and a multiply.
   */
  normal(): number {
    for (;;) {
      const hi = this.nextUint32();
      const lo = this.nextUint32();
      const u = 2 * (((hi >>> 5) * 67108864 + (lo >>> 6)) / TWO_POW_53) - 1;
      const layer = (hi & 0x1f) | ((lo & 0x3) << 5);
      if (Math.abs(u) < ZIGGURAT_RATIO[layer]) return u * ZIGGURAT_X[layer];
      if (layer === 0) return this.#normalTail(u < 0);
      const x = u * ZIGGURAT_X[layer];
      const f0 = Math.exp(-0.5 * (ZIGGURAT_X[layer] ** 2 - x * x));
      const f1 = Math.exp(-0.5 * (ZIGGURAT_X[layer + 1] ** 2 - x * x));
      if (f1 + this.random() * (f0 - f1) < 1) return x;
    }
  }

  #normalTail(negative: boolean): number {
    let x = 0, y = 0;
    do {
      x = Math.log(this.random()) / ZIGGURAT_R;
      y = Math.log(this.random());
    } while (-2 * y < x * x);
    return negative ? x - ZIGGURAT_R : ZIGGURAT_R - x;
  }

  /**
   * A Gamma(shape, 1) draw: Marsaglia and Tsang's squeeze method for shape >= 1,
   * boosted by U^(1/shape) below 1.
   */
  gamma(shape: number): number {
    if (!(shape > 0) || !Number.isFinite(shape)) {
      throw new RangeError(`shape must be a finite number > 0, got ${shape}`);
    }
    if (shape < 1) return this.gamma(shape + 1) * this.random() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x = 0, v = 0;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.random();
      if (squeezed(u, x)) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** A chi-square draw with `degrees` degrees of freedom (2 Gamma(degrees/2)). */
  chiSquare(degrees: number): number {
    return 2 * this.gamma(degrees / 2);
  }

  /**
   * Fills `out` with standard normal draws and returns it: the draws of
   * `normal()` one after another, by the native generator where it is
   * available (the same bits: see {@linkcode nativeGenerator}).
   */
  fillNormal(out: Float64Array): Float64Array {
    const native = nativeGenerator();
    if (native) {
      const state = this.#state;
      for (let i = native.rng.fillNormal(state, native.tables, out, 0); i < out.length;) {
        out[i] = this.normal();
        i = native.rng.fillNormal(state, native.tables, out, i + 1);
      }
      return out;
    }
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /**
   * The generator's four state words, which the native kernels draw from in
   * place (kernels.c): for native code that consumes this stream exactly as
   * the methods here do, and for nothing else.
   */
  stateWords(): Int32Array {
    return this.#state;
  }

  /**
   * `k` distinct integers drawn uniformly from [0, populationSize), in random
   * order: rejection against a bit set when k is at most half the population,
   * else a partial Fisher-Yates shuffle.
   */
  sampleWithoutReplacement(populationSize: number, k: number): Int32Array {
    this.#checkSampleSizes(populationSize, k);
    const native = k > 16 && populationSize <= 2 ** 31 ? nativeGenerator() : undefined;
    if (!native) return this.sampleWithoutReplacementTypeScript(populationSize, k);
    const out = new Int32Array(k);
    native.rng.sampleWithoutReplacement(this.#state, populationSize, out);
    return out;
  }

  #checkSampleSizes(populationSize: number, k: number): void {
    if (!Number.isSafeInteger(populationSize) || populationSize < 0) {
      throw new RangeError(
        `populationSize must be a non-negative integer, got ${populationSize}`,
      );
    }
    if (!Number.isSafeInteger(k) || k < 0 || k > populationSize) {
      throw new RangeError(
        `k must be an integer in [0, ${populationSize}], got ${k}`,
      );
    }
  }

  /** {@linkcode sampleWithoutReplacement} in TypeScript alone (the native route draws the same). */
  sampleWithoutReplacementTypeScript(populationSize: number, k: number): Int32Array {
    this.#checkSampleSizes(populationSize, k);
    const out = new Int32Array(k);
    if (2 * k <= populationSize) {
      // Sparse: draw and reject repeats against a bit set (at most 2 tries per
      // draw on average), far cheaper than a hash map for large k.
      const taken = new Uint8Array(Math.ceil(populationSize / 8));
      for (let i = 0; i < k;) {
        const j = this.int(populationSize);
        const mask = 1 << (j & 7);
        if ((taken[j >>> 3] & mask) === 0) {
          taken[j >>> 3] |= mask;
          out[i++] = j;
        }
      }
    } else {
      // Dense: a partial Fisher-Yates shuffle of the whole population.
      const items = new Int32Array(populationSize);
      for (let i = 0; i < populationSize; i++) items[i] = i;
      for (let i = 0; i < k; i++) {
        const j = i + this.int(populationSize - i);
        out[i] = items[j];
        items[j] = items[i];
      }
    }
    return out;
  }
}

/**
 * Marsaglia and Tsang's squeeze test `u < 1 - 0.0331 * x ** 4`, decided by
 * (x*x)*(x*x) (within 2 ulp of x^4) where the margin is a thousand times
 * wider than the difference can be, else by the engine's `**` (its pow, a
 * C library call costing as much as the rest of a gamma draw): the same
 * decision as the expression itself, every time.
 */
function squeezed(u: number, x: number): boolean {
  const x2 = x * x, x4 = x2 * x2;
  const threshold = 1 - 0.0331 * x4, margin = 1e-12 * (1 + 0.0331 * x4);
  if (u < threshold - margin) return true;
  if (u >= threshold + margin) return false;
  return u < 1 - 0.0331 * x ** 4;
}

/** The native generator and the tables it draws with. */
export interface NativeGenerator {
  rng: NativeRng;
  tables: ZigguratTables;
}

let checked: NativeGenerator | null | undefined;

/**
 * The native generator (kernels.c), once it has drawn exactly what this
 * module draws, bit for bit, on a sample of every kind of draw it makes
 * (normals, the ziggurat's slow paths included, gammas of small and large
 * shapes, integers); undefined where the native kernels are not available
 * or the check fails (with a warning: then the TypeScript route serves).
 */
export function nativeGenerator(): NativeGenerator | undefined {
  if (checked === undefined) {
    checked = null;
    const rng = nativeKernels()?.rng;
    if (rng) {
      const problem = checkNative(rng);
      if (problem) console.error(`native generator disagrees with rng.ts (${problem}): using the TypeScript route`);
      else checked = { rng, tables: TABLES };
    }
  }
  return checked ?? undefined;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length * 2),
    y = new Uint32Array(b.buffer, b.byteOffset, b.length * 2);
  return a.length === b.length && x.every((v, i) => v === y[i]);
}

function checkNative(native: NativeRng): string | undefined {
  for (const seed of [1, 2, 3]) {
    const js = new Rng(seed, "native-check"), c = new Rng(seed, "native-check");
    const expected = new Float64Array(20_000).map(() => js.normal());
    const got = new Float64Array(expected.length);
    for (let i = native.fillNormal(c.stateWords(), TABLES, got, 0); i < got.length;) {
      got[i] = c.normal();
      i = native.fillNormal(c.stateWords(), TABLES, got, i + 1);
    }
    if (!sameBits(expected, got) || js.nextUint32() !== c.nextUint32()) return `normals of seed ${seed}`;
    const shapes = Float64Array.from({ length: 900 }, (_, i) => [1, 1.5, 2, 3.5, 10, 100, 1000, 12345.5, 50000][i % 9]);
    const gammas = shapes.map((shape) => js.gamma(shape));
    const drawn = new Float64Array(shapes.length);
    for (let i = 0; i < shapes.length;) {
      i += native.gammas(c.stateWords(), TABLES, shapes.subarray(i), drawn.subarray(i));
      if (i < shapes.length) drawn[i] = c.gamma(shapes[i++]);
    }
    if (!sameBits(gammas, drawn) || js.nextUint32() !== c.nextUint32()) return `gammas of seed ${seed}`;
    for (const [population, k] of [[1000, 17], [1000, 600], [40, 40], [300_000, 5000]]) {
      const expected = js.sampleWithoutReplacementTypeScript(population, k), got = new Int32Array(k);
      native.sampleWithoutReplacement(c.stateWords(), population, got);
      if (!expected.every((v, i) => v === got[i])) return `${k} of ${population} without replacement, seed ${seed}`;
    }
    for (const n of [1, 7, 1000, 123_456_789, 2 ** 32]) {
      const ints = new Float64Array(500).map(() => js.int(n)), got = new Float64Array(500);
      native.ints(c.stateWords(), n, got);
      if (!sameBits(ints, got)) return `integers below ${n} of seed ${seed}`;
    }
  }
  return undefined;
}
