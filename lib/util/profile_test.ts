import assert from "node:assert/strict";
import { addSectionTimes, enableSectionTiming, takeSectionTimes, timedSection } from "./profile.ts";

Deno.test("section timing: counted only while enabled, taken once, summed across sources", () => {
  const spin = timedSection("spin", (ms: number): number => {
    const end = performance.now() + ms;
    let turns = 0;
    while (performance.now() < end) turns++;
    return turns;
  });
  spin(1);
  assert.deepEqual(takeSectionTimes(), {}, "off by default");
  enableSectionTiming();
  try {
    assert.ok(spin(5) > 0, "the wrapped function's result comes back");
    spin(5);
    const taken = takeSectionTimes();
    assert.equal(taken.spin.calls, 2);
    assert.ok(taken.spin.ms >= 10, `at least the 10 ms spun, got ${taken.spin.ms}`);
    assert.deepEqual(takeSectionTimes(), {}, "taking resets");
    const throws = timedSection("throws", () => {
      throw new Error("boom");
    });
    assert.throws(throws, /boom/);
    assert.equal(takeSectionTimes().throws.calls, 1, "a call that throws is counted");
  } finally {
    enableSectionTiming(false);
  }
  const total = { a: { calls: 1, ms: 2 } };
  addSectionTimes(total, { a: { calls: 2, ms: 3 }, b: { calls: 1, ms: 1 } });
  assert.deepEqual(total, { a: { calls: 3, ms: 5 }, b: { calls: 1, ms: 1 } });
});
