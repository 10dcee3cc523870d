import assert from "node:assert/strict";
import { measureLimits } from "./bench_limits.ts";
import { nativeKernels } from "../lib/numerics/native/mod.ts";

Deno.test("the machine's limits are positive rates, the native ones measured where the kernels load", () => {
  const limits = measureLimits();
  for (const [name, value] of Object.entries(limits)) {
    assert(Number.isFinite(value) && value > 0, `${name} = ${value}`);
  }
  if (nativeKernels()) {
    assert([1, 2, 4, 8].includes(limits.lanes!), `lanes = ${limits.lanes}`);
    assert(limits.nativePeak! > 0 && limits.readBandwidth! > 0 && limits.triadBandwidth! > 0);
    // One exponential is ~25 vector operations on `lanes` lanes: well under the peak's 2 flops per lane and cycle.
    assert(limits.nativeExponentials! > 0 && limits.nativeExponentials! < limits.nativePeak!, "exponentials < flops");
  } else {
    assert.equal(limits.nativePeak, undefined);
  }
});
