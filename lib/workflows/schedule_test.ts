import assert from "node:assert/strict";
import { logGridIterations, onLogGrid } from "./schedule.ts";

// The grid by its definition: every round(10^(j / k)) for j = 0, 1, ... up to `last`.
function byDefinition(last: number, perDecade: number): number[] {
  const out = new Set<number>();
  for (let j = 0; Math.round(10 ** (j / perDecade)) <= last; j++) out.add(Math.round(10 ** (j / perDecade)));
  return [...out].sort((a, b) => a - b);
}

Deno.test("onLogGrid: ten a decade is 1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, ...", () => {
  assert.deepEqual(
    logGridIterations(100, 10),
    [1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, 40, 50, 63, 79, 100],
  );
  assert.equal(logGridIterations(1000, 10).length, 28);
});

Deno.test("onLogGrid agrees with its definition for every t up to 10^5 and several densities", () => {
  for (const perDecade of [1, 2, 3, 5, 10, 20, 50, 100]) {
    const expected = byDefinition(100_000, perDecade);
    const got: number[] = [];
    for (let t = 1; t <= 100_000; t++) if (onLogGrid(t, perDecade)) got.push(t);
    assert.deepEqual(got, expected, `perDecade ${perDecade}`);
  }
});

Deno.test("logGridIterations always ends with the last iteration; bad densities are refused", () => {
  assert.deepEqual(logGridIterations(7, 1), [1, 7]);
  assert.deepEqual(logGridIterations(1, 10), [1]);
  assert.equal(onLogGrid(0, 10), false);
  assert.equal(onLogGrid(2.5, 10), false);
  assert.throws(() => onLogGrid(5, 0), /perDecade must be an integer >= 1, got 0/);
});
