import assert from "node:assert/strict";
import { meanAndStandardError } from "../numerics/stats.ts";
import gaussian from "./gaussian.ts";

for (const sampling of ["points", "statistics"]) {
  Deno.test(`Replace (${sampling}): E[tr Sigma_t / tr Sigma_0] = (1 - 1/n)^t, E||mu_t||^2 = (d/n) sum_{s<t} (1 - 1/n)^s`, async () => {
    const d = 3, n = 10, iterations = 8, seeds = 400;
    const traces: number[][] = Array.from({ length: iterations }, () => []);
    const errors: number[][] = Array.from({ length: iterations }, () => []);
    for (let seed = 0; seed < seeds; seed++) {
      const rows = await gaussian.runConfig({
        dim: d,
        samplesPerIteration: n,
        workflow: "Replace",
        seed,
        iterations,
        sigmaSquared: 1,
        sampling,
      });
      rows.forEach((row, t) => {
        traces[t].push(row.traceRatio as number);
        errors[t].push(row.squaredErrorOfMean as number);
      });
    }
    for (let t = 1; t <= iterations; t++) {
      const trace = meanAndStandardError(traces[t - 1]);
      assert(
        Math.abs(trace.mean - (1 - 1 / n) ** t) < 4 * trace.se,
        `t=${t}: ${trace.mean} vs ${(1 - 1 / n) ** t}`,
      );
      let expected = 0;
      for (let s = 0; s < t; s++) expected += (d / n) * (1 - 1 / n) ** s;
      const error = meanAndStandardError(errors[t - 1]);
      assert(
        Math.abs(error.mean - expected) < 4 * error.se,
        `t=${t}: ${error.mean} vs ${expected}`,
      );
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
    const n = 6, d = 2, iterations = 6, seeds = 1500;
    const traces: number[][] = Array.from({ length: iterations }, () => []);
    const errors: number[][] = Array.from({ length: iterations }, () => []);
    for (let seed = 0; seed < seeds; seed++) {
      const rows = await gaussian.runConfig({
        dim: d,
        samplesPerIteration: n,
        workflow: "Accumulate",
        seed,
        iterations,
        sigmaSquared: 1,
        sampling,
      });
      rows.forEach((row, t) => {
        traces[t].push(row.traceRatio as number);
        errors[t].push(row.squaredErrorOfMean as number);
      });
    }
    let trace = 1 - 1 / n, error = d / n;
    for (let t = 1; t <= iterations; t++) {
      if (t > 1) {
        error += (d * trace) / (n * t * t); // uses E[Sigma_{t-1}]
        trace *= 1 - 1 / (t * t * n);
      }
      const simulatedTrace = meanAndStandardError(traces[t - 1]);
      const simulatedError = meanAndStandardError(errors[t - 1]);
      assert(
        Math.abs(simulatedTrace.mean - trace) < 4 * simulatedTrace.se,
        `t=${t}: ${simulatedTrace.mean} vs ${trace}`,
      );
      assert(
        Math.abs(simulatedError.mean - error) < 4 * simulatedError.se,
        `t=${t}: ${simulatedError.mean} vs ${error}`,
      );
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
