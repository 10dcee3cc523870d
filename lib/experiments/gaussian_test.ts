import assert from "node:assert/strict";
import { meanAndStandardError } from "../numerics/stats.ts";
import { gaussianFreshExpectations } from "../models/gaussian_theory.ts";
import gaussian from "./gaussian.ts";

/** Per iteration, the trace ratio and mean error of `seeds` runs of `config` (seeds 0..seeds-1). */
async function simulate(
  config: Record<string, unknown>,
  seeds: number,
): Promise<{ traces: number[][]; errors: number[][] }> {
  const iterations = config.iterations as number;
  const traces: number[][] = Array.from({ length: iterations }, () => []);
  const errors: number[][] = Array.from({ length: iterations }, () => []);
  for (let seed = 0; seed < seeds; seed++) {
    (await gaussian.runConfig({ ...config, seed })).forEach((row, t) => {
      traces[t].push(row.traceRatio as number);
      errors[t].push(row.squaredErrorOfMean as number);
    });
  }
  return { traces, errors };
}

/** The mean of `values` is within 4 standard errors of `expected`. */
function assertMeanNear(values: number[], expected: number, label: string): void {
  const { mean, se } = meanAndStandardError(values);
  assert(Math.abs(mean - expected) < 4 * se, `${label}: ${mean} vs ${expected} (se ${se})`);
}

for (const sampling of ["points", "statistics"]) {
  Deno.test(`Replace (${sampling}): E[tr Sigma_t / tr Sigma_0] = (1 - 1/n)^t, E||mu_t||^2 = (d/n) sum_{s<t} (1 - 1/n)^s`, async () => {
    const d = 3, n = 10, iterations = 8;
    const base = { dim: d, samplesPerIteration: n, workflow: "Replace", iterations, sigmaSquared: 1, sampling };
    const { traces, errors } = await simulate(base, 400);
    for (let t = 1; t <= iterations; t++) {
      assertMeanNear(traces[t - 1], (1 - 1 / n) ** t, `trace t=${t}`);
      let expected = 0;
      for (let s = 0; s < t; s++) expected += (d / n) * (1 - 1 / n) ** s;
      assertMeanNear(errors[t - 1], expected, `mean error t=${t}`);
    }
  });
}

// Accumulate, worked out by hand, per dimension with sigma^2 = 1. The pool's
// scatter S_t over t n points gives Sigma_t = S_t / (t n). The n new points
// add their own scatter, E = (n - 1) Sigma_t, and a between-batch term
// (t n * n / ((t + 1) n)) ||m_new - mu_t||^2 with E||.||^2 = Sigma_t / n. So
// E[Sigma_{t+1}] = E[Sigma_t] (1 - 1/((t + 1)^2 n)), E[Sigma_1] = 1 - 1/n, and
// the mean moves by (m_new - mu_t)/(t + 1): E||mu_{t+1}||^2 = E||mu_t||^2 +
// d E[Sigma_t] / (n (t + 1)^2), E||mu_1||^2 = d/n.
for (const sampling of ["points", "statistics"]) {
  Deno.test(`Accumulate (${sampling}): E[tr Sigma_t]/d = (1 - 1/n) prod_{k=2..t} (1 - 1/(k^2 n)), and the mean error`, async () => {
    const n = 6, d = 2, iterations = 6;
    const base = { dim: d, samplesPerIteration: n, workflow: "Accumulate", iterations, sigmaSquared: 1, sampling };
    const { traces, errors } = await simulate(base, 1500);
    let trace = 1 - 1 / n, error = d / n;
    for (let t = 1; t <= iterations; t++) {
      if (t > 1) {
        error += (d * trace) / (n * t * t); // uses E[Sigma_{t-1}]
        trace *= 1 - 1 / (t * t * n);
      }
      assertMeanNear(traces[t - 1], trace, `trace t=${t}`);
      assertMeanNear(errors[t - 1], error, `mean error t=${t}`);
    }
  });
}

Deno.test("bad configurations fail before any work, naming the field and the allowed values", () => {
  const good = {
    dim: 2,
    samplesPerIteration: 10,
    workflow: "Replace",
    seed: 0,
    iterations: 5,
    sigmaSquared: 1,
  };
  assert.throws(
    () => gaussian.validate({ ...good, workflow: "Recycle" }),
    /workflow must be one of "Replace"/,
  );
  assert.throws(
    () => gaussian.validate({ ...good, samplesPerIteration: 0 }),
    /samplesPerIteration must be an integer >= 1/,
  );
  assert.throws(
    () => gaussian.validate({ ...good, dim: 0 }),
    /dim must be an integer >= 1/,
  );
  assert.throws(
    () => gaussian.validate({ ...good, seed: 1.5 }),
    /seed must be an integer >= 0, got 1.5/,
  );
  assert.throws(
    () => gaussian.validate({ ...good, sigmaSquared: -1 }),
    /sigmaSquared must be a finite number > 0/,
  );
  assert.throws(
    () => gaussian.validate({ ...good, dims: 3 }),
    /unknown field "dims"/,
  );
  assert.throws(
    () => gaussian.validate({ ...good, sampling: "moments" }),
    /sampling must be one of "points", "statistics"/,
  );
  assert.throws(
    () =>
      gaussian.validate({
        ...good,
        workflow: "Accumulate-Subsample",
        sampling: "statistics",
      }),
    /cannot serve workflow "Accumulate-Subsample"/,
  );
});

Deno.test("a run is reproducible bit for bit from its seed", async () => {
  const config = {
    dim: 4,
    samplesPerIteration: 7,
    workflow: "Accumulate-Subsample",
    seed: 11,
    iterations: 6,
    sigmaSquared: 2,
  };
  assert.deepEqual(await gaussian.runConfig(config), await gaussian.runConfig(config));
});

Deno.test("Fresh with freshFraction 0 is Replace bit for bit; other fractions follow the exact recursion (|z| < 4)", async () => {
  const base = { dim: 2, samplesPerIteration: 10, seed: 4, iterations: 8, sigmaSquared: 1 };
  const strip = (rows: Record<string, unknown>[]) => rows.map(({ workflow: _w, freshFraction: _f, ...rest }) => rest);
  assert.deepEqual(
    strip(await gaussian.runConfig({ ...base, workflow: "Fresh", freshFraction: 0 })),
    strip(await gaussian.runConfig({ ...base, workflow: "Replace" })),
  );
  for (const fraction of [0.3, 0.8]) {
    const exact = gaussianFreshExpectations({ dim: 2, samplesPerIteration: 10, fraction, iterations: 8 });
    const { traces, errors } = await simulate({ ...base, workflow: "Fresh", freshFraction: fraction }, 600);
    for (const t of [2, 4, 8]) {
      assertMeanNear(traces[t - 1], exact.traceRatio[t - 1], `fraction ${fraction} trace t=${t}`);
      assertMeanNear(errors[t - 1], exact.squaredErrorOfMean[t - 1], `fraction ${fraction} mean error t=${t}`);
    }
  }
});

Deno.test("verified Gaussian runs: the rule is recorded, statistics sampling and a missing rule are refused", async () => {
  const base = { dim: 2, samplesPerIteration: 20, workflow: "Replace", seed: 0, iterations: 4, sigmaSquared: 1 };
  const rows = await gaussian.runConfig({ ...base, verifier: "oracle", verifierFraction: 0.5 });
  assert.deepEqual(rows.map((r) => r.acceptRate), [0.5, 0.5, 0.5, undefined]);
  assert.equal(rows[0].sampling, "points", "a verifier samples points");
  // Keeping the samples the true density scores highest keeps the central ones: the covariance shrinks faster.
  const plain = await gaussian.runConfig({ ...base, sampling: "points" });
  assert((rows.at(-1)!.traceRatio as number) < (plain.at(-1)!.traceRatio as number));
  assert.throws(() => gaussian.validate({ ...base, verifier: "oracle" }), /needs exactly one of verifierFraction/);
  assert.throws(
    () => gaussian.validate({ ...base, verifier: "oracle", verifierFraction: 0.5, sampling: "statistics" }),
    /cannot serve a verifier/,
  );
  assert.throws(
    () => gaussian.validate({ ...base, verifier: "judge" }),
    /verifier must be one of "oracle", "first-fit"/,
  );
  assert.throws(
    () => gaussian.validate({ ...base, verifierFraction: 0.5 }),
    /does not apply here: only to runs with a verifier/,
  );
  assert.throws(() => gaussian.validate({ ...base, freshFraction: 0.5 }), /only to workflow "Fresh"/);
  assert.throws(() => gaussian.validate({ ...base, workflow: "Fresh", freshFraction: 1.5 }), /freshFraction must be/);
});
