/**
 * Presets: how much of each experiment's grid a run covers.
 * - `smoke`: every notebook end to end in seconds (CI).
 * - `default`: the paper's grid with fewer seeds: every figure in minutes on a
 *   2-core laptop.
 * - `paper`: the paper's full grid (100 seeds).
 *
 * @module
 */
import { assertOneOf } from "../util/one_of.ts";

/** The preset names, from smallest to largest. */
export const PRESET_NAMES = ["smoke", "default", "paper"] as const;

/** One of {@linkcode PRESET_NAMES}. */
export type PresetName = typeof PRESET_NAMES[number];

/** Throws unless `value` names a preset, listing the allowed names. */
export function assertPreset(
  value: unknown,
  field = "preset",
): asserts value is PresetName {
  assertOneOf(value, PRESET_NAMES, field);
}

/**
 * The preset in force: `COLLAPSE_PRESET` from the environment (set by
 * `deno task render-all --preset NAME`), else "default".
 */
export function currentPreset(): PresetName {
  const value = Deno.env.get("COLLAPSE_PRESET") ?? "default";
  assertPreset(value, "COLLAPSE_PRESET");
  return value;
}

/** Whether stored runs must be recomputed (`render-all --refresh` sets COLLAPSE_REFRESH=1). */
export function refreshRequested(): boolean {
  return Deno.env.get("COLLAPSE_REFRESH") === "1";
}
