import assert from "node:assert/strict";
import { defineExperiment } from "../lib/experiments/define.ts";
import { choice, integer, onlyWhere, real, seed } from "../lib/experiments/fields.ts";
import { EXPERIMENTS } from "../lib/experiments/mod.ts";
import { WORKFLOWS } from "../lib/workflows/mod.ts";
import {
  choiceValues,
  configFor,
  decodeState,
  encodeState,
  explorable,
  type ExplorerState,
  initialState,
  parseValue,
} from "./state.ts";

const registry = EXPERIMENTS;

Deno.test("every explorable family's starting state survives the URL unchanged", () => {
  for (const experiment of explorable(registry)) {
    const state = initialState(experiment);
    const query = encodeState(state, registry);
    const { state: decoded, problems } = decodeState(query, { registry });
    assert.deepStrictEqual(problems, [], `${experiment.name}: ${problems.join("; ")}`);
    assert.deepStrictEqual(decoded, state, experiment.name);
    assert.equal(encodeState(decoded, registry), query);
  }
});

Deno.test("the URL writes every value, defaults too, in the fields' order, with readable lists", () => {
  const state = initialState(registry.gaussian);
  assert.equal(
    encodeState({ ...state, sizes: [10, 100], metric: "traceRatio" }, registry),
    "experiment=gaussian&workflow=Replace,Accumulate-Subsample,Accumulate&seeds=20&samplesPerIteration=10,100" +
      "&dim=10&iterations=100&sigmaSquared=1&metric=traceRatio",
  );
  // A derived default (the Gaussian's sampling depends on the workflow) is left to each run.
  assert.equal(state.values.sampling, undefined);
  assert.equal(encodeState(initialState(registry.kde), registry).includes("kernel=gaussian"), true);
});

Deno.test("decoding: values are typed by their fields, lists sorted, workflows in the field's order", () => {
  const { state, problems } = decodeState(
    "?experiment=kde&workflow=Accumulate,Replace&seeds=7&samplesPerIteration=100,10&dataset=circles&bandwidth=scott" +
      "&iterations=30&metric=testNll",
    { registry },
  );
  assert.deepStrictEqual(problems, []);
  assert.deepStrictEqual(state, {
    experiment: "kde",
    workflows: ["Replace", "Accumulate"],
    seeds: 7,
    sizes: [10, 100],
    // kernelSums' default is derived (from scoresPerDecade): left unset, so that each run takes its own.
    values: { dataset: "circles", bandwidth: "scott", kernel: "gaussian", iterations: 30 },
    metric: "testNll",
  });
  for (const workflow of state.workflows) {
    const { config } = configFor(registry.kde, { ...state.values, workflow, seed: 0, samplesPerIteration: 10 });
    // It applies to the Accumulate runs under a rule (each run leaves out what does not apply to it).
    const validated = registry.kde.validate(config);
    assert.equal(validated.kernelSums, workflow === "Accumulate" ? "binned" : undefined, workflow);
  }
  const numeric = decodeState("?experiment=kde&bandwidth=0.5", { registry }).state;
  assert.equal(numeric.values.bandwidth, 0.5);
});

Deno.test("decoding names every bad parameter and keeps the family's starting value", () => {
  const { state, problems } = decodeState(
    "experiment=gaussian&dim=0&seeds=abc&workflow=Replace,Sideways&samplesPerIteration=10,x&colour=red",
    { registry },
  );
  const start = initialState(registry.gaussian);
  assert.equal(state.values.dim, start.values.dim);
  assert.equal(state.seeds, start.seeds);
  assert.deepStrictEqual(state.workflows, ["Replace"]);
  assert.deepStrictEqual(state.sizes, [10]);
  assert.deepStrictEqual(problems, [
    'workflow must be one of "Replace", "Accumulate-Subsample", "Accumulate", "Fresh", got "Sideways"',
    'seeds must be an integer in [1, 500], got "abc"',
    'samplesPerIteration must be an integer >= 1, got "x"',
    'dim must be an integer >= 1, got "0"',
    'unknown parameter "colour" for experiment "gaussian"',
  ]);
});

Deno.test("an experiment the page cannot run, or no experiment, falls back with the reason", () => {
  const lm = decodeState("experiment=lm", { registry });
  assert.equal(lm.state.experiment, "gaussian");
  assert.match(lm.problems[0], /^experiment "lm" cannot be explored here: trains on onnxruntime-node/);
  const mixing = decodeState("experiment=mixing", { registry });
  assert.match(mixing.problems[0], /no model-fitting iterations to draw \(no workflow, iterations field\)/);
  const unknown = decodeState("experiment=nope", { registry });
  assert.match(unknown.problems[0], /^experiment must be one of "gaussian", "kde", "linear_regression", "discrete"/);
  assert.equal(decodeState("", { registry, fallback: "kde" }).state.experiment, "kde");
});

Deno.test("fields that apply only to some runs: Fresh's fraction, a verifier's rule", () => {
  const gaussian = registry.gaussian;
  const withFresh = decodeState("experiment=gaussian&workflow=Replace,Fresh", { registry }).state;
  assert.equal(withFresh.values.freshFraction, 0.2); // the view's starting value, since Fresh is on
  assert.deepStrictEqual(
    configFor(gaussian, { ...withFresh.values, workflow: "Replace", seed: 0 }).config.freshFraction,
    undefined,
  );
  assert.equal(configFor(gaussian, { ...withFresh.values, workflow: "Fresh", seed: 0 }).config.freshFraction, 0.2);
  const without = decodeState("experiment=gaussian&workflow=Replace&freshFraction=0.5", { registry }).state;
  assert.equal(without.values.freshFraction, undefined, "dropped: no run takes it");
  const verified = decodeState("experiment=gaussian&verifier=oracle&verifierFraction=0.5", { registry }).state;
  assert.equal(verified.values.verifierBudget, 10, "applies once a verifier is set: its default written");
  assert.equal(initialState(gaussian).values.verifierBudget, undefined);
});

Deno.test("choiceValues reads a choice field's values and parseValue types text by the field", () => {
  assert.deepStrictEqual(choiceValues(registry.kde.fields.dataset), ["blobs", "circles", "moons", "swiss_roll"]);
  assert.equal(choiceValues(registry.kde.fields.bandwidth), undefined);
  assert.deepStrictEqual(parseValue(" 12 ", { name: "dim", field: registry.gaussian.fields.dim }), { value: 12 });
  assert.deepStrictEqual(parseValue("silverman", { name: "bandwidth", field: registry.kde.fields.bandwidth }), {
    value: "silverman",
  });
  assert.deepStrictEqual(parseValue("1.5", { name: "dim", field: registry.gaussian.fields.dim }), {
    error: 'dim must be an integer >= 1, got "1.5"',
  });
});

Deno.test("a family without a view starts from its example and round-trips", () => {
  const poisson = defineExperiment({
    name: "poisson_rate",
    version: 1,
    module: import.meta.url,
    description: "a Poisson rate refitted to its own samples",
    fields: {
      rate: real({ greaterThan: 0 }),
      samplesPerIteration: integer(),
      workflow: choice(WORKFLOWS),
      fraction: real({ min: 0, max: 1, ...onlyWhere("workflow", ["Accumulate"]) }),
      seed: seed(),
      iterations: integer(),
    },
    grids: { main: { smoke: {}, default: {}, paper: {} } },
    example: { rate: 3, samplesPerIteration: 10, workflow: "Replace", seed: 0, iterations: 6 },
    run: () => Promise.resolve([]),
  });
  const own = { ...registry, poisson_rate: poisson };
  const state: ExplorerState = initialState(poisson);
  assert.deepStrictEqual(state, {
    experiment: "poisson_rate",
    workflows: [...WORKFLOWS],
    seeds: 5,
    sizes: [10],
    values: { rate: 3, iterations: 6 },
    metric: "",
  });
  const query = encodeState(state, own);
  assert.deepStrictEqual(decodeState(query, { registry: own }).state, state);
});
