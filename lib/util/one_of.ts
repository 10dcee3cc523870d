/**
 * The one check behind every "must be one of" error: a value is one of a
 * fixed list of names, or an error names the field, the allowed values and
 * what was given, before any work starts.
 *
 * @module
 */

/** Throws a RangeError unless `value` is one of `allowed`, naming `field` and the allowed values. */
export function assertOneOf<const T extends string>(
  value: unknown,
  allowed: readonly T[],
  field: string,
): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(
      `${field} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
}
