/**
 * Speed of the KDE test likelihood: 500 test points against 100,000 training
 * points, in 2-D (moons) and 3-D (swiss roll), Gaussian kernel, h = 0.1 and 1.
 *
 * ```sh
 * deno bench -A lib/kde_bench.ts
 * ```
 *
 * When /usr/bin/python3 has scikit-learn (Debian `python3-sklearn`), the
 * module first times `KernelDensity(...).score_samples` on the same points
 * and prints the time of both side by side, with their ratio and the largest
 * difference of the log-densities.
 *
 * @module
 */

import { makeMoons, makeSwissRoll } from "./datasets.ts";
import { fitKde, kdeLogDensity } from "./kde.ts";
import type { Matrix } from "./matrix.ts";
import { Rng } from "./rng.ts";

const TRAIN = 100_000;
const TEST = 500;

const cases = [
  { name: "2-D moons", train: makeMoons(TRAIN, new Rng(1, "bench")), test: makeMoons(TEST, new Rng(2, "bench")) },
  {
    name: "3-D swiss roll",
    train: makeSwissRoll(TRAIN, new Rng(1, "bench")),
    test: makeSwissRoll(TEST, new Rng(2, "bench")),
  },
];
const BANDWIDTHS = [0.1, 1];

for (const { name, train, test } of cases) {
  for (const h of BANDWIDTHS) {
    const model = fitKde(train, { bandwidth: h });
    Deno.bench(`log-likelihood of ${TEST} test points, ${TRAIN} training points, ${name}, h = ${h}`, () => {
      kdeLogDensity(model, test);
    });
  }
}

function toCsv(x: Matrix): string {
  const lines: string[] = [];
  for (let r = 0; r < x.rows; r++) lines.push([...x.data.subarray(r * x.cols, (r + 1) * x.cols)].join(","));
  return lines.join("\n");
}

const PYTHON = "/usr/bin/python3";
const SCRIPT = `
import sys, time, numpy as np
from sklearn.neighbors import KernelDensity
train = np.loadtxt(sys.argv[1], delimiter=",")
test = np.loadtxt(sys.argv[2], delimiter=",")
kde = KernelDensity(kernel="gaussian", bandwidth=float(sys.argv[3])).fit(train)
kde.score_samples(test[:10])
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    scores = kde.score_samples(test)
    best = min(best, time.perf_counter() - start)
np.savetxt(sys.argv[4], scores)
print(best)
`;

async function compareWithScikitLearn(): Promise<void> {
  const probe = await new Deno.Command(PYTHON, { args: ["-c", "import sklearn"], stderr: "null", stdout: "null" })
    .output().catch(() => undefined);
  if (!probe?.success) {
    console.log(
      "scikit-learn not found for /usr/bin/python3 (apt-get install -y python3-sklearn): no side-by-side run",
    );
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "kde_bench_" });
  try {
    console.log(`side by side with scikit-learn ${TEST} x ${TRAIN} (best of 3 runs each):`);
    for (const { name, train, test } of cases) {
      await Deno.writeTextFile(`${dir}/train.csv`, toCsv(train));
      await Deno.writeTextFile(`${dir}/test.csv`, toCsv(test));
      for (const h of BANDWIDTHS) {
        const out = await new Deno.Command(PYTHON, {
          args: ["-c", SCRIPT, `${dir}/train.csv`, `${dir}/test.csv`, String(h), `${dir}/scores.txt`],
        }).output();
        if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
        const sklearnSeconds = Number(new TextDecoder().decode(out.stdout).trim());
        const theirs = (await Deno.readTextFile(`${dir}/scores.txt`)).trim().split("\n").map(Number);
        const model = fitKde(train, { bandwidth: h });
        let ours = kdeLogDensity(model, test);
        let best = Infinity;
        for (let i = 0; i < 3; i++) {
          const start = performance.now();
          ours = kdeLogDensity(model, test);
          best = Math.min(best, (performance.now() - start) / 1000);
        }
        let maxDiff = 0;
        ours.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - theirs[i]))));
        console.log(
          `  ${name}, h = ${h}: ours ${(best * 1000).toFixed(0)} ms, scikit-learn ${
            (sklearnSeconds * 1000).toFixed(0)
          } ms, ratio ours/sklearn ${(best / sklearnSeconds).toFixed(2)}, max |log p difference| ${
            maxDiff.toExponential(1)
          }`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

await compareWithScikitLearn();
