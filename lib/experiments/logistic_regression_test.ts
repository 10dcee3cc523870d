import assert from "node:assert/strict";
import { meanAndStandardError } from "../numerics/stats.ts";
import logisticRegression from "./logistic_regression.ts";
import { PRESET_NAMES } from "./presets.ts";
import { FRESH_FRACTIONS } from "./workflow_fields.ts";

const base = { dim: 3, samplesPerIteration: 40, seed: 0, iterations: 5 };
const strip = (rows: Record<string, unknown>[]) => rows.map(({ workflow: _w, freshFraction: _f, ...rest }) => rest);

Deno.test("bad configurations fail before any work, naming the field", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ dim: 0 }, /dim must be an integer >= 1/],
    [{ ridge: 0 }, /ridge must be a finite number > 0, got 0/],
    [{ signal: -1 }, /signal must be a finite number > 0/],
    [{ verifier: "judge", verifierFraction: 0.5 }, /verifier must be one of "oracle", "first-fit"/],
    [{ verifier: "first-fit" }, /needs exactly one of verifierFraction/],
    [{ workflow: "Fresh", freshFraction: 2 }, /freshFraction must be a finite number >= 0 and <= 1, got 2/],
    [{ freshFraction: 0.5 }, /only to workflow "Fresh"/],
  ];
  for (const [change, message] of cases) {
    const config = { workflow: "Replace", ...base, ...change };
    assert.throws(() => logisticRegression.validate(config), message);
    await assert.rejects(() => logisticRegression.runConfig(config), message);
  }
});

Deno.test("workflows: training sizes and real fractions; one first fit for every workflow; bit-identical reruns", async () => {
  const run = (workflow: string, extra = {}) => logisticRegression.runConfig({ ...base, workflow, ...extra });
  const [replace, subsample, accumulate] = await Promise.all(
    ["Replace", "Accumulate-Subsample", "Accumulate"].map((w) => run(w)),
  );
  assert.deepEqual(replace.map((r) => r.realFraction), [1, 0, 0, 0, 0]);
  assert.deepEqual(accumulate.map((r) => r.trainingSize), [40, 80, 120, 160, 200]);
  assert.deepEqual(accumulate.map((r) => r.realFraction), [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5]);
  assert(subsample.every((r) => r.trainingSize === 40));
  for (const rows of [subsample, accumulate]) assert.deepEqual(strip(rows.slice(0, 1)), strip(replace.slice(0, 1)));
  assert.deepEqual(await run("Accumulate"), accumulate);
  const fresh = await run("Fresh", { freshFraction: 0.25 });
  assert.deepEqual(fresh.map((r) => r.realFraction), [1, 0.25, 0.25, 0.25, 0.25]);
  assert.deepEqual(strip(await run("Fresh", { freshFraction: 0 })), strip(replace));
  for (const row of [...replace, ...subsample, ...accumulate, ...fresh]) {
    assert((row.testExcessLogLoss as number) >= 0 && (row.testLogLoss as number) >= (row.testExcessLogLoss as number));
    assert(Number.isFinite(row.weightSquaredError));
  }
});

Deno.test("Fresh with fraction 1: every fit is a first fit in distribution (|z| < 4); Replace drifts away", async () => {
  const first: number[] = [], fresh: number[] = [], replace: number[] = [];
  for (let seed = 0; seed < 100; seed++) {
    const config = { ...base, seed, iterations: 6 };
    const rows = await logisticRegression.runConfig({ ...config, workflow: "Fresh", freshFraction: 1 });
    first.push(rows[0].weightSquaredError as number);
    fresh.push(rows[5].weightSquaredError as number);
    replace.push(
      (await logisticRegression.runConfig({ ...config, workflow: "Replace" }))[5].weightSquaredError as number,
    );
  }
  const [a, b, c] = [first, fresh, replace].map(meanAndStandardError);
  assert(Math.abs(a.mean - b.mean) < 4 * Math.hypot(a.se, b.se), `${a.mean} vs ${b.mean}`);
  assert(c.mean - a.mean > 4 * Math.hypot(a.se, c.se), `Replace ${c.mean} vs first fit ${a.mean}`);
});

Deno.test("verified runs record the acceptance rate; the oracle keeps Replace closer to w* than no verifier", async () => {
  const config = { ...base, workflow: "Replace", iterations: 8 };
  const plain: number[] = [], oracle: number[] = [];
  for (let seed = 0; seed < 20; seed++) {
    plain.push((await logisticRegression.runConfig({ ...config, seed })).at(-1)!.weightSquaredError as number);
    const rows = await logisticRegression.runConfig({ ...config, seed, verifier: "oracle", verifierFraction: 0.5 });
    assert.deepEqual(rows.map((r) => r.acceptRate), [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, undefined]);
    oracle.push(rows.at(-1)!.weightSquaredError as number);
  }
  // The oracle keeps the labels the truth finds likelier (sign(x^T w*) mostly): the fits sharpen along w*, while
  // without a verifier Replace's fits drift in direction too.
  const [a, b] = [plain, oracle].map(meanAndStandardError);
  assert(a.mean - b.mean > 4 * Math.hypot(a.se, b.se), `no verifier ${a.mean}, oracle ${b.mean}`);
  const judged = await logisticRegression.runConfig({ ...config, verifier: "first-fit", verifierThreshold: -1e9 });
  assert.deepEqual(judged.slice(0, 7).map((r) => r.acceptRate), [1, 1, 1, 1, 1, 1, 1], "a threshold nothing fails");
});

Deno.test("the fresh and verified grids: every alpha under Fresh, both verifiers and both q under the paper's workflows", () => {
  for (const preset of PRESET_NAMES) {
    const fresh = logisticRegression.configs(preset, { grid: "fresh" });
    assert(fresh.every((c) => c.workflow === "Fresh" && c.dim === 10));
    assert.deepEqual([...new Set(fresh.map((c) => c.freshFraction))], FRESH_FRACTIONS);
    const verified = logisticRegression.configs(preset, { grid: "verified" });
    assert.deepEqual(
      [...new Set(verified.map((c) => `${c.workflow} ${c.verifier} ${c.verifierFraction}`))].length,
      3 * 2 * 2,
    );
  }
});
