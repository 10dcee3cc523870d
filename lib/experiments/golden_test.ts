// The golden runs: every registered experiment's `example` configuration, run here and summarized (per numeric
// column, the sum of its finite values and the count of the others; a hash of the text columns). A change of code
// that changes an experiment's numbers fails here until the experiment's version is bumped (so no stored run of
// the old code is ever reused) and the pin below is replaced by the one the failure prints. A refactor that
// changes no number passes untouched and invalidates nothing.
import assert from "node:assert/strict";
import type { RunRow } from "./define.ts";
import { fnv1a64 } from "../numerics/hash.ts";
import { EXPERIMENTS } from "./mod.ts";

/** What a golden run is summarized to. */
interface Digest {
  version: number;
  rows: number;
  /** Per numeric column: [sum of the finite values, count of NaN and infinite values]. */
  sums: Record<string, [number, number]>;
  /** FNV-1a 64 of the text and boolean columns, row by row. */
  text: string;
}

/** Wall-clock columns differ from run to run by design; they are not part of a run's numbers. */
const TIMING = /Seconds$/;

/** Sums agree to this relative tolerance: the native and TypeScript kernel routes differ at ~1e-13. */
const TOLERANCE = 1e-9;

const GOLDEN: Record<string, Digest> = {
  gaussian: {
    "version": 1,
    "rows": 10,
    "sums": {
      "determinantRatio": [2.416559788758797, 0],
      "dim": [30, 0],
      "iteration": [55, 0],
      "iterations": [100, 0],
      "logDeterminantRatio": [-14.429638358609198, 0],
      "realFraction": [2.9289682539682538, 0],
      "samplesPerIteration": [100, 0],
      "seed": [0, 0],
      "sigmaSquared": [10, 0],
      "squaredErrorOfMean": [1.5830639036098697, 0],
      "traceRatio": [8.617744712183793, 0],
      "trainingSize": [550, 0],
    },
    "text": "bb4b77596c701ad1",
  },
  kde: {
    "version": 5,
    "rows": 5,
    "sums": {
      "bandwidth": [2.5, 0],
      "fittedBandwidth": [2.5, 0],
      "iteration": [15, 0],
      "iterations": [25, 0],
      "realFraction": [2.283333333333333, 0],
      "samplesPerIteration": [100, 0],
      "seed": [0, 0],
      "testNll": [10.524663117599015, 0],
      "trainingSize": [300, 0],
    },
    "text": "dfb896e8e38f3dc1",
  },
  linear_regression: {
    "version": 1,
    "rows": 10,
    "sums": {
      "dim": [30, 0],
      "iteration": [55, 0],
      "iterations": [100, 0],
      "realFraction": [3.3000000000000003, 0],
      "samplesPerIteration": [100, 0],
      "seed": [0, 0],
      "sigmaSquared": [10, 0],
      "testMse": [11.813883086083663, 0],
      "trainingSize": [100, 0],
      "weightSquaredError": [12.411684446503086, 0],
    },
    "text": "7d08523f672febed",
  },
  discrete: {
    "version": 1,
    "rows": 10,
    "sums": {
      "collapsed": [0, 0],
      "collision": [1.775, 0],
      "entropy": [18.45531631958885, 0],
      "entropyFraction": [8.015042039376468, 0],
      "iteration": [55, 0],
      "iterations": [100, 0],
      "realFraction": [2.349999999999999, 0],
      "samplesPerIteration": [200, 0],
      "seed": [0, 0],
      "sides": [100, 0],
      "stopBelowEntropy": [0, 0],
      "support": [73, 0],
      "trainingSize": [200, 0],
    },
    "text": "7d08523f672febed",
  },
  mixing: {
    "version": 5,
    "rows": 1,
    "sums": {
      "dim": [3, 0],
      "numReal": [20, 0],
      "numSynthetic": [40, 0],
      "realFraction": [0.3333333333333333, 0],
      "realPool": [50, 0],
      "seed": [0, 0],
      "syntheticPool": [100, 0],
      "testLoss": [4.378363913369662, 0],
      "testNll": [4.378363913369662, 0],
    },
    "text": "766a7b701ee50a23",
  },
  lm: {
    "version": 2,
    "rows": 2,
    "sums": {
      "acceptRate": [0.390625, 1],
      "contextLength": [128, 0],
      "dModel": [96, 0],
      "dataSeed": [0, 0],
      "evalLoss": [6.422348668666485, 0],
      "evalLossChangeSe": [0.026118806667636742, 0],
      "evalLossSe": [0.2274245625406177, 0],
      "fineTuneLearningRate": [0.01, 0],
      "iteration": [3, 0],
      "iterations": [4, 0],
      "maxGlossChars": [100, 0],
      "nHeads": [8, 0],
      "nLayers": [4, 0],
      "pretrainChars": [40000, 0],
      "pretrainChats": [2000, 0],
      "pretrainEpochs": [2, 0],
      "realFraction": [1.5, 0],
      "sampleDistinct2": [1, 1],
      "sampleTokenEntropy": [7.036578635958256, 1],
      "seed": [0, 0],
      "trainDistinct2": [1.9769744691004534, 0],
      "trainLoss": [6.767866611480713, 0],
      "trainPairs": [64, 0],
      "trainTokenEntropy": [13.561600791649708, 0],
      "trainingSize": [96, 0],
      "validationPairs": [32, 0],
      "vocabSize": [1024, 0],
    },
    "text": "751e1a9102b924fd",
  },
  mixing_lm: {
    "version": 2,
    "rows": 1,
    "sums": {
      "contextLength": [64, 0],
      "dModel": [48, 0],
      "dataSeed": [0, 0],
      "evalLoss": [3.2045840070547302, 0],
      "evalLossSe": [0.10435013170449954, 0],
      "fineTuneLearningRate": [0.005, 0],
      "firstGenerationAcceptRate": [0.4375, 0],
      "firstGenerationLoss": [3.124038793567317, 0],
      "maxGlossChars": [50, 0],
      "nHeads": [4, 0],
      "nLayers": [2, 0],
      "numReal": [16, 0],
      "numSynthetic": [16, 0],
      "pretrainChars": [20000, 0],
      "pretrainChats": [1000, 0],
      "pretrainEpochs": [1, 0],
      "realFraction": [0.5, 0],
      "realPool": [32, 0],
      "seed": [0, 0],
      "syntheticPool": [16, 0],
      "testLoss": [3.2045840070547302, 0],
      "trainLoss": [3.828495979309082, 0],
      "trainPairs": [32, 0],
      "validationPairs": [16, 0],
      "vocabSize": [512, 0],
    },
    "text": "78ac8527c711b498",
  },
  gmm: {
    "version": 1,
    "rows": 5,
    "sums": {
      "components": [15, 0],
      "emIterations": [5, 0],
      "iteration": [15, 0],
      "iterations": [25, 0],
      "liveComponents": [15, 0],
      "minWeight": [0.5989549124101101, 0],
      "mmd2": [0.36594176218466246, 0],
      "mmd2Test": [0.3654770740517019, 0],
      "mmdBandwidth": [5, 0],
      "realFraction": [2.283333333333333, 0],
      "samplesPerIteration": [100, 0],
      "seed": [0, 0],
      "testNll": [40.30681771625345, 0],
      "trainingSize": [300, 0],
      "varianceFloor": [0.0000049999999999999996, 0],
    },
    "text": "679da43d2291da3a",
  },
  logistic_regression: {
    "version": 1,
    "rows": 8,
    "sums": {
      "dim": [24, 0],
      "iteration": [36, 0],
      "iterations": [64, 0],
      "newtonIterations": [59, 0],
      "realFraction": [2.85, 0],
      "ridge": [0.008, 0],
      "samplesPerIteration": [160, 0],
      "seed": [0, 0],
      "signal": [16, 0],
      "testExcessLogLoss": [3.7428955497917054, 0],
      "testLogLoss": [7.56098490343428, 0],
      "trainingSize": [160, 0],
      "weightSquaredError": [480.29379849169686, 0],
    },
    "text": "daf787cbe55bed4d",
  },
};

function digest(version: number, rows: readonly RunRow[]): Digest {
  const sums: Record<string, [number, number]> = {};
  const text: string[] = [];
  for (const row of rows) {
    for (const [key, value] of Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (TIMING.test(key)) continue;
      if (typeof value === "number") {
        const entry = sums[key] ??= [0, 0];
        if (Number.isFinite(value)) entry[0] += value;
        else entry[1]++;
      } else text.push(`${key}=${value}`);
    }
  }
  return { version, rows: rows.length, sums, text: fnv1a64(text.join("\n")) };
}

function differences(pinned: Digest, got: Digest): string[] {
  const out: string[] = [];
  if (pinned.rows !== got.rows) out.push(`rows ${pinned.rows} -> ${got.rows}`);
  if (pinned.text !== got.text) out.push("text columns");
  for (const key of new Set([...Object.keys(pinned.sums), ...Object.keys(got.sums)])) {
    const [a, b] = [pinned.sums[key], got.sums[key]];
    if (!a || !b) out.push(`column ${key} ${a ? "gone" : "new"}`);
    else if (a[1] !== b[1] || Math.abs(a[0] - b[0]) > TOLERANCE * Math.max(1, Math.abs(a[0]))) {
      out.push(`${key} ${a[0]} -> ${b[0]}`);
    }
  }
  return out;
}

for (const [name, experiment] of Object.entries(EXPERIMENTS)) {
  Deno.test(`golden run: ${name} computes the numbers its version ${experiment.version} pinned`, async () => {
    const got = digest(experiment.version, await experiment.runConfig(experiment.example));
    const repin = `pin it in lib/experiments/golden_test.ts: GOLDEN.${name} = ${JSON.stringify(got)}`;
    const pinned = GOLDEN[name];
    assert(pinned, `${name} has no golden run yet; ${repin}`);
    if (pinned.version === experiment.version) {
      const changed = differences(pinned, got);
      assert.deepEqual(
        changed,
        [],
        `${name}'s numbers changed (${changed.join("; ")}): bump its version in ${experiment.module} so that no ` +
          `stored run of the old code is reused, then ${repin}`,
      );
    } else {
      assert.fail(`${name} is at version ${experiment.version}, its golden run at ${pinned.version}: ${repin}`);
    }
  });
}
