import assert from "node:assert/strict";
import { arrayOps, type Estimator } from "../models/estimator.ts";
import { Rng } from "../numerics/rng.ts";
import { runWorkflow } from "./mod.ts";
import { samplesByIteration } from "./samples.ts";

// A model is the list it was fitted on; a sample is `count` draws from it, tagged by the model's size.
const echo: Estimator<number[], number[]> = {
  ops: arrayOps<number>(),
  fit: (data) => [...data],
  sample: (model, count, rng) =>
    Array.from({ length: count }, () => model[rng.int(model.length)] + 1000 * model.length),
  evaluate: () => ({}),
};

Deno.test("replayed samples are the real data, then exactly what each listed iteration's model drew in the run", async () => {
  const real = [1, 2, 3, 4];
  for (const workflow of ["Replace", "Accumulate-Subsample", "Accumulate"] as const) {
    const drawn = new Map<number, number[]>();
    await runWorkflow(echo, real, {
      workflow,
      iterations: 6,
      rng: new Rng(5, workflow),
      onIteration: (record, { samples }) => {
        if (samples) drawn.set(record.iteration, samples);
      },
    });
    const replay = await samplesByIteration(echo, real, { workflow, rng: new Rng(5, workflow), at: [2, 4] });
    assert.deepEqual(replay.map((s) => s.iteration), [0, 2, 4]);
    assert.deepEqual(replay[0].data, real);
    assert.deepEqual(replay[1].data, drawn.get(2), workflow);
    assert.deepEqual(replay[2].data, drawn.get(4), workflow);
  }
  await assert.rejects(
    () => samplesByIteration(echo, real, { workflow: "Replace", rng: new Rng(0), at: [] }),
    /at must be/,
  );
  await assert.rejects(
    () => samplesByIteration(echo, real, { workflow: "Replace", rng: new Rng(0), at: [0] }),
    /at must be/,
  );
});

Deno.test("a Fresh, verified run replays with its fresh data and verifier: the samples it trained on", async () => {
  const real = [1, 2, 3, 4, 5, 6];
  const options = () => {
    let next = 100;
    return {
      workflow: "Fresh" as const,
      rng: new Rng(9),
      fresh: { fraction: 0.5, draw: (count: number) => Array.from({ length: count }, () => next++) },
      verifier: { score: (data: number[]) => Float64Array.from(data, (x) => -(x % 1000)), rule: { fraction: 0.5 } },
    };
  };
  const trained = new Map<number, number[]>();
  await runWorkflow(echo, real, {
    ...options(),
    iterations: 5,
    onIteration: (record, { training }) => void trained.set(record.iteration, training!),
  });
  const replay = await samplesByIteration(echo, real, { ...options(), at: [1, 3] });
  for (const { iteration, data } of replay.slice(1)) {
    // The next training set is the fresh points, then these samples.
    assert.deepEqual(trained.get(iteration + 1)!.slice(3), data, `iteration ${iteration}`);
  }
});
