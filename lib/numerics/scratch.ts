/**
 * Reused buffers for temporaries: a fresh typed array costs a calloc in Deno
 * (~0.3 us for a few values, microseconds and page faults for 1e5), which a
 * loop that fits a model per iteration pays thousands of times. A buffer
 * grows to at least twice its length when it is too short, and hands out a
 * view of the length asked for, of unspecified values: valid until the next
 * request from the same buffer, so only for values that do not outlive the
 * call that asked.
 *
 * @module
 */

/** One growable buffer of doubles and one of int32s. */
export class Scratch {
  #doubles = new Float64Array(0);
  #ints = new Int32Array(0);

  /** `count` doubles, of unspecified values. */
  doubles(count: number): Float64Array {
    if (this.#doubles.length < count) this.#doubles = new Float64Array(Math.max(count, 2 * this.#doubles.length));
    return this.#doubles.subarray(0, count);
  }

  /** `count` int32s, of unspecified values. */
  ints(count: number): Int32Array {
    if (this.#ints.length < count) this.#ints = new Int32Array(Math.max(count, 2 * this.#ints.length));
    return this.#ints.subarray(0, count);
  }
}
