/**
 * Checks shared by every experiment's configuration: each names the field and
 * what is allowed, so bad input fails before any work starts.
 *
 * @module
 */

/** Throws unless every key of `config` is one of `allowed`. */
export function assertKnownFields(config: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) {
      throw new RangeError(`unknown field "${key}"; allowed fields: ${allowed.join(", ")}`);
    }
  }
}

/** `config[field]` if it is an integer >= `min` (default 1), else an error naming the field. */
export function integerField(config: Record<string, unknown>, field: string, options: { min?: number } = {}): number {
  const min = options.min ?? 1;
  const value = config[field];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${field} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}
