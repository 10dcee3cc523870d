/**
 * The browser test's reference: computes runs and sample replays headlessly,
 * with the library's own functions (not the page's code), and prints them as
 * exact JSON (exact_json.ts). The test runs it in a child process with
 * `COLLAPSE_NATIVE=0`, the kernel route a browser takes (the TypeScript
 * loops), so that the two can be compared bit for bit.
 *
 * ```sh
 * COLLAPSE_NATIVE=0 deno run -A explore/testing/headless.ts requests.json
 * ```
 *
 * @module
 */

import type { Config } from "../../lib/experiments/fields.ts";
import { kdeSamplesByIteration } from "../../lib/experiments/kde.ts";
import { EXPERIMENTS } from "../../lib/experiments/mod.ts";
import { nativeKernels } from "../../lib/numerics/native/mod.ts";
import { encodeExact } from "./exact_json.ts";

/** One thing to compute. */
export type HeadlessRequest =
  | { kind: "run"; experiment: string; config: Config }
  | { kind: "kdeSamples"; config: Config; iterations: number[] };

/** Computes `requests` in order: each run's rows, or each replay's points. */
export async function computeAll(requests: readonly HeadlessRequest[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const request of requests) {
    out.push(
      request.kind === "run"
        ? await EXPERIMENTS[request.experiment].runConfig(request.config)
        : await kdeSamplesByIteration(request.config, request.iterations),
    );
  }
  return out;
}

if (import.meta.main) {
  const requests = JSON.parse(await Deno.readTextFile(Deno.args[0])) as HeadlessRequest[];
  const results = await computeAll(requests);
  console.log(encodeExact({ native: nativeKernels() !== undefined, results }));
}
