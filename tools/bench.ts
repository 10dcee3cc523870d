/**
 * Side-by-side benchmarks: the same workloads through this project and through
 * the reference Python (numpy) in one run, printed as a table with the ratio.
 *
 * ```sh
 * deno task bench            # every workload
 * deno task bench gaussian   # workloads whose name contains "gaussian"
 * ```
 *
 * The reference needs a python3 with numpy; the task installs Debian's
 * python3-numpy when none is found (as root, with apt-get).
 *
 * @module
 */

import { run as runGaussian } from "../lib/gaussian_experiment.ts";
import { WORKFLOWS } from "../lib/workflows.ts";

const root = new URL("../", import.meta.url).pathname;

/** One workload: this project's timing function and the reference's command. */
interface Workload {
  name: string;
  ours: () => void;
  reference?: string[];
}

function hasNumpy(python: string): boolean {
  try {
    return new Deno.Command(python, {
      args: ["-c", "import numpy"],
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

function findPython(): string | undefined {
  for (const python of ["python3", "/usr/bin/python3"]) {
    if (hasNumpy(python)) return python;
  }
  console.log("no python3 with numpy: installing Debian's python3-numpy");
  new Deno.Command("sh", {
    args: ["-c", "apt-get update -qq && apt-get install -y -qq python3-numpy"],
  }).outputSync();
  return hasNumpy("/usr/bin/python3") ? "/usr/bin/python3" : undefined;
}

function timeOurs(fn: () => void, repeats: number): number {
  fn(); // warm-up: compile the hot loops
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    fn();
    times.push((performance.now() - start) / 1000);
  }
  return Math.min(...times);
}

function timeReference(
  python: string,
  args: string[],
  repeats: number,
): number {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const out = new Deno.Command(python, {
      args,
      stdout: "piped",
      stderr: "inherit",
    }).outputSync();
    if (!out.success) {
      throw new Error(`reference failed: ${python} ${args.join(" ")}`);
    }
    times.push(Number(new TextDecoder().decode(out.stdout).trim()));
  }
  return Math.min(...times);
}

const workloads: Workload[] = WORKFLOWS.map((workflow) => ({
  name: `gaussian d=100 n=1000 T=100 ${workflow}`,
  ours: () => {
    runGaussian({
      dim: 100,
      samplesPerIteration: 1000,
      workflow,
      seed: 0,
      iterations: 100,
      sigmaSquared: 1,
    });
  },
  reference: [
    `${root}bench/gaussian_reference.py`,
    workflow,
    "100",
    "1000",
    "100",
    "0",
  ],
}));
workloads.push(...["Replace", "Accumulate"].map((workflow) => ({
  name: `gaussian d=100 n=1000 T=100 ${workflow} (sampling points)`,
  ours: () => {
    runGaussian({
      dim: 100,
      samplesPerIteration: 1000,
      workflow,
      seed: 0,
      iterations: 100,
      sigmaSquared: 1,
      sampling: "points",
    });
  },
  reference: [
    `${root}bench/gaussian_reference.py`,
    workflow,
    "100",
    "1000",
    "100",
    "0",
  ],
})));

const filter = Deno.args[0] ?? "";
const selected = workloads.filter((w) => w.name.includes(filter));
const python = selected.some((w) => w.reference) ? findPython() : undefined;
const repeats = Number(Deno.env.get("BENCH_REPEATS") ?? 3);
console.log(
  `best of ${repeats}; ${navigator.hardwareConcurrency} cores; reference: ${python ?? "none"}\n`,
);
console.log(
  "| workload | this project (s) | reference (s) | reference / this project |",
);
console.log("|---|---:|---:|---:|");
for (const workload of selected) {
  const ours = timeOurs(workload.ours, repeats);
  const reference = python && workload.reference ? timeReference(python, workload.reference, repeats) : NaN;
  const ratio = Number.isFinite(reference) ? `${(reference / ours).toFixed(2)}x` : "n/a";
  console.log(
    `| ${workload.name} | ${ours.toFixed(3)} | ${
      Number.isFinite(reference) ? reference.toFixed(3) : "n/a"
    } | ${ratio} |`,
  );
}
