/**
 * The README's SLURM job array, run on a real scheduler: a one-node cluster on
 * localhost (tools/slurm_local.ts) runs the script copied from the README,
 * unchanged but for its sweep file (a small grid) and its array (4 tasks); the
 * shard stores are merged with the README's merge command, and the merged
 * store must equal a one-machine sweep of the same file, run for run. Skipped,
 * saying why, where the cluster cannot start (not root, no slurm-wlm).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { RunRow } from "../lib/run/store.ts";
import { StoreReader } from "../lib/run/store_reader.ts";
import { parseSweep, type Sweep } from "../lib/run/sweep.ts";
import { sbatch, slurmUnavailable, startLocalSlurm, waitForJob } from "./slurm_local.ts";

const root = fileURLToPath(new URL("../", import.meta.url));
const unavailable = slurmUnavailable();
if (unavailable) console.log(`tools/slurm_local_test.ts skipped: ${unavailable}`);

/** The README's job-array script: the sh block after "A SLURM job array". */
export function readmeJobScript(readme: string): string {
  const at = readme.indexOf("A SLURM job array");
  const match = /```sh\n(#!\/bin\/bash\n[\s\S]*?)```/.exec(readme.slice(at));
  if (at < 0 || !match) throw new Error("the README has no SLURM job-array script");
  return match[1];
}

/** The README's merge command for the shard stores. */
export function readmeMergeCommand(readme: string): string {
  const match = /then `(npx --yes deno@[\d.]+ task merge stores\/shard-\* --into runs)`/.exec(readme);
  if (!match) throw new Error("the README has no merge command for the job array's stores");
  return match[1];
}

const SMALL_SWEEP = `experiment: gaussian
parameters:
  dim: { values: [1, 3] }
  samplesPerIteration: { values: [10, 32] }
  workflow: { values: ["Replace", "Accumulate"] }
  seed: { min: 0, max: 2 }
  iterations: { value: 10 }
  sigmaSquared: { value: 1 }
`;

function run(command: string, options: { cwd: string }): Promise<Deno.CommandOutput> {
  return new Deno.Command("bash", { args: ["-c", command], cwd: options.cwd, stdout: "piped", stderr: "piped" })
    .output();
}

/** The rows of every run of `sweep` in the store `dir`, read as a render reads them: config JSON -> rows. */
function storeRows(dir: string, sweep: Sweep): Map<string, RunRow[] | undefined> {
  const reader = new StoreReader(sweep.experiment, { storeDir: dir });
  return new Map(sweep.configs.map((config) => [JSON.stringify(config), reader.read(config)]));
}

Deno.test({
  name: "the README's SLURM job array runs on a real scheduler; its merged store equals a one-machine sweep",
  ignore: unavailable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const scratch = await Deno.makeTempDir({ prefix: "collapse-slurm-" });
    const repo = `${scratch}/repo`;
    // A copy of the working tree (the job writes its stores into its submit folder), sharing node_modules and
    // the native kernels' cache with this checkout.
    const files = new TextDecoder().decode(
      (await new Deno.Command("git", { args: ["ls-files", "-co", "--exclude-standard"], cwd: root, stdout: "piped" })
        .output()).stdout,
    ).split("\n").filter((f) => f !== "" && !f.startsWith("notebooks/") && !f.startsWith("results/"));
    for (const file of files) {
      Deno.mkdirSync(`${repo}/${file}`.replace(/\/[^/]*$/, ""), { recursive: true });
      try {
        Deno.copyFileSync(`${root}${file}`, `${repo}/${file}`);
      } catch { /* a file deleted in the working tree */ }
    }
    for (const shared of ["node_modules", ".cache"]) {
      try {
        Deno.symlinkSync(`${root}${shared}`, `${repo}/${shared}`);
      } catch { /* not present */ }
    }
    Deno.writeTextFileSync(`${repo}/small.yaml`, SMALL_SWEEP);
    const readme = Deno.readTextFileSync(`${root}README.md`);
    const script = readmeJobScript(readme);
    assert.match(script, /#SBATCH --array=0-15\n/);
    assert.match(script, /sweeps\/kde\.yaml/);
    const job = script.replace("sweeps/kde.yaml", "small.yaml").replace("--array=0-15", "--array=0-3");
    const cluster = await startLocalSlurm(`${scratch}/slurm`);
    try {
      const id = await sbatch(job, { cwd: repo, env: cluster.env });
      await waitForJob(id, { env: cluster.env, timeoutMs: 300_000 });
    } finally {
      await cluster.stop();
    }
    const logs = [...Deno.readDirSync(repo)].filter((e) => /^slurm-\d+_\d+\.out$/.test(e.name)).map((e) => e.name);
    assert.equal(logs.length, 4, `one log per array task, got ${logs.join(", ")}`);
    for (const log of logs) {
      assert.match(Deno.readTextFileSync(`${repo}/${log}`), /shard \d\/4: \d+ runs/, `${log}: the task ran its shard`);
    }
    const merge = await run(readmeMergeCommand(readme), { cwd: repo });
    assert(merge.success, new TextDecoder().decode(merge.stderr));
    const single = await run("npx --yes deno@2.9.6 task sweep small.yaml --store one", { cwd: repo });
    assert(single.success, new TextDecoder().decode(single.stderr));
    const sweep = parseSweep(SMALL_SWEEP);
    const merged = storeRows(`${repo}/runs`, sweep), alone = storeRows(`${repo}/one`, sweep);
    assert.equal(alone.size, 2 * 2 * 2 * 3);
    for (const [config, rows] of alone) {
      assert(rows, `${config}: stored by the one-machine sweep`);
      assert.deepEqual(merged.get(config), rows, `${config}: the same rows in the merged store`);
    }
    await Deno.remove(scratch, { recursive: true });
  },
});

Deno.test("the README's Kubernetes indexed Job runs one shard per completion index", async () => {
  const { parse } = await import("yaml");
  const readme = Deno.readTextFileSync(`${root}README.md`);
  const match = /```yaml\n(apiVersion: batch\/v1\n[\s\S]*?)```/.exec(readme);
  assert(match, "the README has a Kubernetes Job");
  const job = parse(match[1]);
  assert.equal(job.kind, "Job");
  assert.equal(job.spec.completionMode, "Indexed", "an indexed Job: each pod gets JOB_COMPLETION_INDEX");
  assert.equal(job.spec.completions, job.spec.parallelism, "every shard runs at once");
  const containers = job.spec.template.spec.containers;
  assert.equal(containers.length, 1);
  const command = [...(containers[0].command ?? []), ...(containers[0].args ?? [])].join(" ");
  const shard = /--shard "\$\{JOB_COMPLETION_INDEX\}\/(\d+)"/.exec(command);
  assert(shard, `the command shards by the completion index: ${command}`);
  assert.equal(Number(shard[1]), job.spec.completions, "as many shards as completions");
  assert.match(command, /--store "\/results\/shard-\$\{JOB_COMPLETION_INDEX\}"/, "one store per shard");
  assert.match(command, /npx --yes deno@[\d.]+ task sweep sweeps\/\w+\.yaml/);
  const mounts = containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath);
  assert(mounts.includes("/results"), "the stores are on a mounted volume");
  assert.equal(job.spec.template.spec.restartPolicy, "OnFailure");
});
