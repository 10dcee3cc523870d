/**
 * Multinomial and binomial draws for the die (lib/models/discrete.ts): a
 * multinomial as sequential conditional binomials, each binomial exact
 * (inversion for small means, Knuth's beta splitting for large ones), by the
 * native generator where it agrees with the TypeScript loop bit for bit.
 * Tested in discrete_test.ts.
 *
 * @module
 */

import { type NativeGenerator, nativeGenerator, Rng } from "../numerics/rng.ts";
import { Scratch } from "../numerics/scratch.ts";
import type { Counts, DiscreteModel } from "./discrete.ts";
/**
 * An exact Binomial(trials, p) draw. Small means (min(p, 1 - p) * trials < 20)
 * use sequential inversion, O(mean); otherwise Knuth's splitting (TAOCP 3.4.1):
 * the a-th smallest of `trials` uniforms is Beta(a, trials + 1 - a) (from two
 * gammas), and the count below p is then binomial on one side of it, halving
 * the trials each round: O(log trials) gamma draws.
 */
export function binomial(rng: Rng, options: { trials: number; probability: number }): number {
  const { trials, probability: p } = options;
  if (!Number.isSafeInteger(trials) || trials < 0) {
    throw new RangeError(`trials must be a non-negative integer, got ${trials}`);
  }
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be in [0, 1], got ${p}`);
  return binomialDraw(trials, p, rng);
}

/** {@linkcode binomial} without the checks or the options object (the multinomial's hot loop). */
function binomialDraw(trials: number, p: number, rng: Rng): number {
  let n = trials, prob = p, x = 0;
  for (;;) {
    if (n === 0 || prob === 0) return x;
    if (prob === 1) return x + n;
    if (n * Math.min(prob, 1 - prob) < 20) return x + binomialInversion(n, prob, rng);
    const a = 1 + Math.floor(n / 2), b = n + 1 - a;
    const ga = rng.gamma(a);
    const split = ga / (ga + rng.gamma(b)); // Beta(a, b): the a-th order statistic
    if (split >= prob) {
      n = a - 1;
      prob = prob / split;
    } else {
      x += a;
      n = b - 1;
      prob = (prob - split) / (1 - split);
    }
  }
}

function binomialInversion(n: number, p: number, rng: Rng): number {
  if (p > 0.5) return n - binomialInversion(n, 1 - p, rng);
  const q = 1 - p, s = p / q, a = (n + 1) * s;
  const start = Math.pow(q, n);
  for (;;) {
    let u = rng.random(), r = start, x = 0;
    while (u > r) {
      u -= r;
      x++;
      if (x > n) break; // rounding left u above the total mass: draw again
      r *= a / x - s;
    }
    if (x <= n) return x;
  }
}

/**
 * `count` rolls of a fitted die, as counts: sequential conditional binomials
 * over the model's outcomes (outcome i gets Binomial(rolls left, c_i / counts
 * left)), so an outcome the model lost can never come back.
 */
export function sampleDiscrete(model: DiscreteModel, count: number, rng: Rng): Counts {
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  }
  const m = model.outcomes.length;
  const drawn = multinomialDraw(model.counts, { total: model.total, count, rng });
  let nonZero = 0;
  for (let i = 0; i < m; i++) if (drawn[i] > 0) nonZero++;
  // One buffer for both arrays: allocating a typed array costs ~0.3 us in Deno, a run of a million iterations
  // allocates a few per iteration.
  const buffer = new ArrayBuffer(12 * nonZero);
  const counts = new Float64Array(buffer, 0, nonZero), outcomes = new Int32Array(buffer, 8 * nonZero, nonZero);
  for (let i = 0, j = 0; i < m; i++) {
    if (drawn[i] > 0) {
      outcomes[j] = model.outcomes[i];
      counts[j++] = drawn[i];
    }
  }
  return { sides: model.sides, outcomes, counts, total: count };
}

/**
 * Multinomial(count; counts / total) as sequential conditional binomials
 * (outcome i gets Binomial(rolls left, c_i / counts left)): by the native
 * generator where it is available and agrees with this module
 * ({@linkcode nativeMultinomial}), each binomial it cannot decide drawn here,
 * else here alone; the same bits either way. The native route's result is
 * a view of a scratch buffer, valid until the next draw.
 */
function multinomialDraw(
  counts: Float64Array,
  options: { total: number; count: number; rng: Rng },
): Float64Array {
  const { total, count, rng } = options;
  const m = counts.length;
  const native = nativeMultinomial();
  if (native) {
    // Reused buffers: a small typed array handed to native code is first moved out of the JS heap (a malloc).
    const both = scratch.doubles(2 * m);
    const drawn = both.subarray(0, m).fill(0), io = scratchIo, state = rng.stateWords();
    const given = counts;
    counts = both.subarray(m, 2 * m);
    counts.set(given);
    io[0] = count;
    io[1] = total;
    for (let i = native.rng.multinomial(state, native.tables, { counts, drawn, start: 0, io }); i < m;) {
      const [left, mass] = io;
      drawn[i] = binomialDraw(left, counts[i] / mass, rng);
      io[0] = left - drawn[i];
      io[1] = mass - counts[i];
      i = io[0] > 0 ? native.rng.multinomial(state, native.tables, { counts, drawn, start: i + 1, io }) : m;
    }
    return drawn; // a view of the scratch buffer, read at once by the caller
  }
  const drawn = new Float64Array(m);
  let left = count, mass = total;
  for (let i = 0; i < m && left > 0; i++) {
    const c = counts[i];
    const x = i === m - 1 || c >= mass ? left : binomialDraw(left, c / mass, rng);
    drawn[i] = x;
    left -= x;
    mass -= c;
  }
  return drawn;
}

const scratch = new Scratch();
const scratchIo = new Float64Array(2);
let nativeChecked: NativeGenerator | null | undefined;

/**
 * The native generator for multinomial draws, once it has drawn what the
 * TypeScript loop draws on a sample of small and large counts and totals
 * (binomials by inversion and by splitting); else undefined.
 */
function nativeMultinomial(): NativeGenerator | undefined {
  if (nativeChecked === undefined) {
    nativeChecked = null;
    const native = nativeGenerator();
    if (native) {
      const models = [
        Float64Array.from({ length: 50 }, (_, i) => i + 1),
        Float64Array.of(1000, 5000, 3, 77_000, 1),
        Float64Array.from({ length: 300 }, (_, i) => 1 + (i * 7919) % 13),
        Float64Array.of(400_000, 600_000),
      ];
      let agree = true;
      for (const [index, counts] of models.entries()) {
        const total = counts.reduce((a, b) => a + b, 0);
        for (const count of [10, 1000, 100_000]) {
          const js = new Rng(index, "multinomial-check", count), c = new Rng(index, "multinomial-check", count);
          const expected = new Float64Array(counts.length);
          let left = count, mass = total;
          for (let i = 0; i < counts.length && left > 0; i++) {
            const x = i === counts.length - 1 || counts[i] >= mass ? left : binomialDraw(left, counts[i] / mass, js);
            expected[i] = x;
            left -= x;
            mass -= counts[i];
          }
          checking = true;
          const got = multinomialDraw(counts, { total, count, rng: c });
          if (!expected.every((x, i) => Object.is(x, got[i])) || js.nextUint32() !== c.nextUint32()) agree = false;
        }
      }
      checking = false;
      if (agree) nativeChecked = native;
      else console.error("native multinomial disagrees with discrete.ts: using the TypeScript route");
    }
  }
  return checking ? nativeGenerator() : nativeChecked ?? undefined;
}

// While the check runs, multinomialDraw takes the native route it is checking.
let checking = false;
