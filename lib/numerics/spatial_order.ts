/**
 * A spatial order of points: a counting sort by cell of a grid laid over the
 * points' bounding box, the cells taken in row-major order (the first
 * coordinate fastest), about {@linkcode CELL_POINTS} points a cell. Runs of
 * consecutive points then lie close together, so the kernel sums
 * (kernel_sums.ts) can skip a run whose bounding box is past a test point's
 * cutoff without computing its distances. Stable: points of one cell keep
 * their order.
 *
 * @module
 */

import type { Matrix } from "./matrix.ts";

/** Points per cell, on average over the grid: the kernel sums' groups of 64 then span one or two cells. */
export const CELL_POINTS = 64;

/** The bounding box of the rows of `points`: per coordinate, the least and the greatest value (NaNs left out). */
export function boundingBox(points: Matrix): { lo: Float64Array; hi: Float64Array } {
  const { rows: n, cols: d, data: y } = points;
  const lo = new Float64Array(d).fill(Infinity), hi = new Float64Array(d).fill(-Infinity);
  for (let p = 0; p < n; p++) {
    for (let j = 0; j < d; j++) {
      const v = y[p * d + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  return { lo, hi };
}

/** The rows of `points` in spatial order: a permutation of 0 .. rows - 1. */
export function spatialOrder(
  points: Matrix,
  box: { lo: Float64Array; hi: Float64Array } = boundingBox(points),
): Int32Array {
  const { rows: n, cols: d, data: y } = points;
  const order = new Int32Array(n);
  if (n === 0) return order;
  const { lo, hi } = box;
  // A side of g cells per coordinate, g^d ~ n / CELL_POINTS; a coordinate with no spread gets one.
  const side = Math.max(1, Math.floor((n / CELL_POINTS) ** (1 / d)));
  const scale = Float64Array.from(lo, (l, j) => (hi[j] > l ? side / (hi[j] - l) : 0));
  const cell = new Int32Array(n);
  const counts = new Int32Array(side ** d + 1);
  for (let p = 0; p < n; p++) {
    let index = 0;
    for (let j = d - 1; j >= 0; j--) {
      // In [0, side): | 0 floors the non-negative offset, and sends a NaN (a point at infinity) to 0.
      index = index * side + (Math.min(side - 1, (y[p * d + j] - lo[j]) * scale[j]) | 0);
    }
    cell[p] = index;
    counts[index + 1]++;
  }
  for (let k = 1; k < counts.length; k++) counts[k] += counts[k - 1];
  for (let p = 0; p < n; p++) order[counts[cell[p]]++] = p;
  return order;
}
