/**
 * JSON that keeps every number bit for bit: finite doubles already round-trip
 * through JSON's shortest decimal text; NaN, ±Infinity and -0 (which JSON
 * cannot write) become `{"$number": "NaN" | "Infinity" | "-Infinity" | "-0"}`.
 * The browser test moves the page's rows and the headless reference through
 * it before comparing them with Object.is semantics.
 *
 * @module
 */

/** The replacer of {@linkcode encodeExact}, written to be copied into a page (it uses nothing outside itself). */
export function exactReplacer(_key: string, value: unknown): unknown {
  if (typeof value !== "number") return value;
  if (Number.isNaN(value)) return { $number: "NaN" };
  if (value === Infinity) return { $number: "Infinity" };
  if (value === -Infinity) return { $number: "-Infinity" };
  if (Object.is(value, -0)) return { $number: "-0" };
  return value;
}

/** `value` as exact JSON. */
export function encodeExact(value: unknown): string {
  return JSON.stringify(value, exactReplacer);
}

/** The value of exact JSON `text`. */
export function decodeExact<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, value) => {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === "$number") return value.$number === "-0" ? -0 : Number(value.$number);
    }
    return value;
  }) as T;
}
