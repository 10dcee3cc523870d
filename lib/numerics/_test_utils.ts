/**
 * Helpers shared by the tests of the numeric and model layers (not a test
 * module itself: deno test runs only `*_test.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Matrix, matrix } from "./matrix.ts";
import type { Rng } from "./rng.ts";

/** |actual - expected| <= tolerance * max(1, |expected|), entry by entry. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-12): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    assert(Math.abs(actual[i] - expected[i]) <= tolerance * scale, `entry ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** A rows x cols matrix of N(0, scale^2) entries from `rng`. */
export function randomMatrix(rows: number, cols: number, rng: Rng, scale = 1): Matrix {
  const x = matrix(rows, cols, rng.fillNormal(new Float64Array(rows * cols)));
  for (let i = 0; i < x.data.length; i++) x.data[i] *= scale;
  return x;
}

/** log((1/N) sum_i (2 pi h^2)^(-d/2) exp(-|x - x_i|^2 / 2h^2)), written out directly. */
export function directLogDensity(train: number[][], x: number[], h: number): number {
  const d = x.length;
  let density = 0;
  for (const p of train) {
    const sq = p.reduce((s, v, k) => s + (v - x[k]) ** 2, 0);
    density += Math.exp(-sq / (2 * h * h)) / (2 * Math.PI * h * h) ** (d / 2);
  }
  return Math.log(density / train.length);
}
