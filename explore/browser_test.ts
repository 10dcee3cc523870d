/**
 * The explorer in a real browser: Debian's Chromium (installed by .ci/run),
 * driven headlessly by puppeteer-core, loads the built site from the local
 * server; the test changes controls, waits for the charts, and checks that
 * what the page computed and plotted is, bit for bit, what the library's own
 * `runConfig` computes for the same configurations called directly in the
 * same browser (no plan, queue or worker), that a URL gives back the same
 * state and numbers, and that the downloads (CSV, Parquet) hold the same rows.
 *
 * Against Deno (the notebooks' engine, on the same TypeScript kernels:
 * COLLAPSE_NATIVE=0) the random streams and every value computed with
 * + - * / and sqrt are identical; values that pass through Math.log, exp, sin
 * or cos may differ in the last bit, because V8 builds round those
 * differently (measured: ~0.05-0.1% of calls differ by one ulp between
 * Chromium 156 and Deno 2.9.6, Deno's the closer to the true value). The test
 * asserts exactly that split and prints the counts.
 *
 * Skipped, saying so, where no Chromium is installed (set CHROMIUM to its
 * binary elsewhere). `EXPLORE_SCREENSHOT=docs/explorer.png` also saves the
 * README's screenshot.
 *
 * @module
 */

import assert from "node:assert/strict";
import pl from "nodejs-polars";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import type { RunRow } from "../lib/experiments/define.ts";
import type { Config } from "../lib/experiments/fields.ts";
import { EXPERIMENTS } from "../lib/experiments/mod.ts";
import { buildSite } from "./build.ts";
import { lineFigure, type ScatterPoint, scatterPoints } from "./figure.ts";
import { withVersion } from "./download.ts";
import { decodeState } from "./state.ts";
import { serveSite } from "./server.ts";
import { compareRows, describeComparison } from "./testing/compare.ts";
import { rendererCpuMs } from "./testing/cpu.ts";
import { decodeExact } from "./testing/exact_json.ts";
import type { HeadlessRequest } from "./testing/headless.ts";
import type { SamplePoint } from "../lib/experiments/kde.ts";

const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/lib/chromium/chromium";
const installed = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!installed) {
  console.warn(
    `explore/browser_test.ts: SKIPPED, no browser at ${CHROMIUM} (apt-get install chromium, as .ci/run does, ` +
      "or set CHROMIUM to a Chromium binary)",
  );
}

const WORKFLOWS = ["Replace", "Accumulate-Subsample", "Accumulate"];
/** The workload: d = 10, n = 100, 100 iterations x 20 seeds x 3 workflows. */
const GAUSSIAN = { dim: 10, samplesPerIteration: 100, iterations: 100, sigmaSquared: 1 };
const GAUSSIAN_QUERY = `?experiment=gaussian&workflow=${WORKFLOWS.join(",")}&seeds=20&samplesPerIteration=100` +
  "&dim=10&iterations=100&sigmaSquared=1&metric=traceRatio";
/** The README's screenshot: by iteration 100 Replace's samples have bunched into one clump, Accumulate's have not. */
const KDE = { dataset: "moons", bandwidth: 0.05, samplesPerIteration: 50, iterations: 100 };
const KDE_QUERY = "?experiment=kde&workflow=Replace,Accumulate-Subsample,Accumulate&seeds=5&samplesPerIteration=50" +
  "&dataset=moons&bandwidth=0.05&iterations=100";

/** The configurations of seeds x workflows in the page's plan order (seed by seed), written out here. */
function configsOf(values: Config, seeds: number, workflows = WORKFLOWS): Config[] {
  return Array.from({ length: seeds }, (_, seed) => workflows.map((workflow) => ({ ...values, workflow, seed })))
    .flat();
}

/** The library's rows for `configs` in a child process on the TypeScript kernels, and whether it ran native ones. */
async function headless(requests: HeadlessRequest[]): Promise<unknown[]> {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, JSON.stringify(requests));
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./testing/headless.ts", import.meta.url).pathname, file],
      env: { COLLAPSE_NATIVE: "0", NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
    const { native, results } = decodeExact<{ native: boolean; results: unknown[] }>(
      new TextDecoder().decode(output.stdout),
    );
    assert.equal(native, false, "the reference must run the TypeScript kernels, as the browser does");
    return results;
  } finally {
    await Deno.remove(file);
  }
}

/** Reads `expression` of the page's `explorer` as exact JSON (NaN, infinities and -0 kept). */
async function read<T>(page: Page, expression: string): Promise<T> {
  const text = await page.evaluate(async (expr: string) => {
    const replacer = (_key: string, value: unknown): unknown =>
      typeof value !== "number" || (Number.isFinite(value) && !Object.is(value, -0))
        ? value
        : { $number: Object.is(value, -0) ? "-0" : String(value) };
    const explorer = (globalThis as unknown as { explorer: unknown }).explorer;
    return JSON.stringify(await new Function("explorer", `return (${expr});`)(explorer), replacer);
  }, expression);
  return decodeExact<T>(text);
}

async function waitDone(page: Page, condition = "true"): Promise<void> {
  await page.waitForFunction(
    `globalThis.explorer?.status === "done" && (${condition})`,
    { timeout: 20_000, polling: 50 },
  );
}

/** The library's rows computed in the page itself, directly (explorer.reference): the in-engine reference. */
function inPage(page: Page, experiment: string, configs: Config[]): Promise<RunRow[]> {
  return read<RunRow[]>(page, `explorer.reference(${JSON.stringify(experiment)}, ${JSON.stringify(configs)})`);
}

/**
 * Checks the page's rows against Deno's: the same shape and every value within 1e-12 relative, and
 * `exact` columns (computed without Math.log/exp/sin/cos) identical; returns the comparison in words.
 */
function againstDeno(rows: RunRow[], deno: RunRow[], exact: readonly string[]): string {
  const comparison = compareRows(rows, deno);
  assert(comparison.maxRelative < 1e-12, describeComparison(comparison));
  for (const column of exact) assert.equal(comparison.differing[column], undefined, `${column} differs from Deno's`);
  return describeComparison(comparison);
}

Deno.test({
  name: "the explorer in Chromium: live runs equal the library's, bit for bit; the URL and the download round-trip",
  ignore: !installed,
  // puppeteer keeps sockets and the browser process across steps; they are closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const site = await Deno.makeTempDir({ prefix: "explore-site-" });
    const downloads = await Deno.makeTempDir({ prefix: "explore-downloads-" });
    const built = await buildSite(site);
    const server = await serveSite(site, { port: 0 });
    let browser: Browser | undefined;
    const errors: string[] = [];
    try {
      browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
      const page = await browser.newPage();
      page.on("pageerror", (error) => errors.push(String(error)));
      page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
      await page.setViewport({ width: 1400, height: 900 });
      console.log(`site built in ${(built.ms / 1000).toFixed(1)} s: ${built.files.map((f) => f.name).join(", ")}`);

      let gaussianUrl = "";
      let gaussianRows: RunRow[] = [];
      await t.step("the Gaussian workload: the page's rows are the library's, bit for bit", async () => {
        await page.goto(server.url + GAUSSIAN_QUERY);
        await waitDone(page);
        gaussianUrl = page.url();
        const configs = configsOf(GAUSSIAN, 20);
        const rows = await read<RunRow[]>(page, "explorer.rows");
        assert.equal(rows.length, 60 * 100);
        assert.deepStrictEqual(rows, await inPage(page, "gaussian", configs));
        gaussianRows = rows;
        const deno = await headless(configs.map((config) => ({ kind: "run", experiment: "gaussian", config })));
        const words = againstDeno(rows, (deno as RunRow[][]).flat(), ["traceRatio", "squaredErrorOfMean"]);
        console.log(`Gaussian, page vs Deno on the same kernels: ${words}`);
        // The store's default route where a C compiler exists: the same numbers to rounding, compounded over 100
        // refits (the kernels themselves agree to ~1e-13).
        const native: RunRow[] = [];
        for (const config of configs) native.push(...await EXPERIMENTS.gaussian.runConfig(config));
        console.log(`Gaussian, page vs this process's kernel route: ${describeComparison(compareRows(rows, native))}`);
        assert(compareRows(rows, native).maxRelative < 1e-6);
      });

      await t.step("the chart plots the notebooks' bands and closed forms of those rows", async () => {
        const plotted = await read<Record<string, unknown>[]>(page, "explorer.lineData()");
        const state = decodeState(new URL(gaussianUrl).search, { registry: EXPERIMENTS }).state;
        const base = EXPERIMENTS.gaussian.validate({ ...GAUSSIAN, workflow: "Replace", seed: 0 });
        const figure = lineFigure({ experiment: EXPERIMENTS.gaussian, state, rows: gaussianRows, base })!;
        const expected = (figure.spec as { data: { values: unknown[] } }).data.values;
        assert.deepStrictEqual(plotted, expected);
        assert(plotted.some((d) => d._layer === "ref"), "the exact expectation is drawn");
        assert(plotted.some((d) => d._layer === "sim" && typeof d.lo === "number"), "20 seeds: bands are drawn");
      });

      await t.step("timing: 100 iterations x 20 seeds x 3 workflows", async () => {
        const first = await read<Record<string, number>>(page, "explorer.timings");
        // The better of two recomputations from an empty cache (warm workers): the machine is shared.
        const warms: Record<string, number>[] = [];
        const pid = browser!.process()!.pid!;
        for (let i = 0; i < 2; i++) {
          const before = await rendererCpuMs(pid);
          const timings = await read<Record<string, number>>(page, "explorer.recompute()");
          const after = await rendererCpuMs(pid);
          warms.push({ ...timings, cpuMs: before === undefined || after === undefined ? NaN : after - before });
        }
        const warm = warms.reduce((a, b) => (b.runsMs < a.runsMs ? b : a));
        const workers = await read<number>(page, "explorer.workers");
        const [load] = (await Deno.readTextFile("/proc/loadavg").catch(() => "0")).split(" ").map(Number);
        const cores = navigator.hardwareConcurrency;
        console.log(
          `Gaussian d=10 n=100 T=100 x 20 seeds x 3 workflows in the page (${workers} workers): first load ` +
            `${first.runsMs.toFixed(0)} ms (chart ${first.drawnMs.toFixed(0)} ms), warm ${warm.runsMs.toFixed(0)} ms ` +
            `(best of 2; chart ${warm.drawnMs.toFixed(0)} ms, workers busy ${warm.workerMs.toFixed(0)} ms, ` +
            `${warm.draws} live redraws, longest task of the page's thread ${warm.longestTaskMs.toFixed(0)} ms, ` +
            `the page's CPU time ${warm.cpuMs.toFixed(0)} ms); ` +
            `load average ${load} on ${cores} cores`,
        );
        assert.equal(warm.computed, 60);
        // The page's CPU time (runs, aggregation, drawing) whatever else runs: under 2 s is under 1 s on two free
        // cores. It is inflated somewhat on a crowded machine, hence the margin.
        if (Number.isFinite(warm.cpuMs)) assert(warm.cpuMs < 2000, `the workload took ${warm.cpuMs} ms of CPU`);
        // Where the machine is not shared beyond its cores: the runs take under 1 s, and the page's own thread
        // (the runs are in workers) is never blocked for long, a redraw at worst. Elsewhere both are only reported.
        if (load < cores) {
          assert(warm.runsMs < 1000, `warm runs took ${warm.runsMs} ms`);
          assert(warm.longestTaskMs < 500, `the page was unresponsive for ${warm.longestTaskMs} ms`);
        } else console.log(`(the time bounds are not asserted: load average ${load} >= ${cores} cores)`);
      });

      await t.step("a control change reruns, updates the URL, and equals the library", async () => {
        await page.click("#field-dim", { count: 3 });
        await page.keyboard.type("3");
        await page.keyboard.press("Enter");
        await waitDone(page, "explorer.state.values.dim === 3");
        assert.match(page.url(), /[?&]dim=3(&|$)/);
        const rows = await read<RunRow[]>(page, "explorer.rows");
        const configs = configsOf({ ...GAUSSIAN, dim: 3 }, 20);
        assert.deepStrictEqual(rows, await inPage(page, "gaussian", configs));
        const deno = await headless(configs.map((config) => ({ kind: "run", experiment: "gaussian", config })));
        againstDeno(rows, (deno as RunRow[][]).flat(), ["traceRatio", "squaredErrorOfMean"]);
        // A metric changes the figure only: every run comes from the page's cache.
        await page.select("#metric", "squaredErrorOfMean");
        await waitDone(page, 'explorer.state.metric === "squaredErrorOfMean"');
        assert.match(page.url(), /metric=squaredErrorOfMean/);
        assert.equal((await read<Record<string, number>>(page, "explorer.timings")).reused, 60);
        // Back goes to the previous view (the state is in the URL's history too).
        await page.goBack();
        await waitDone(page, 'explorer.state.metric === "traceRatio" && explorer.state.values.dim === 3');
        assert.match(page.url(), /metric=traceRatio/);
        await page.goForward();
        await waitDone(page, 'explorer.state.metric === "squaredErrorOfMean"');
      });

      await t.step("a URL gives back the same state and the same numbers", async () => {
        const url = page.url();
        const second = await browser!.newPage();
        await second.goto(url);
        await waitDone(second);
        assert.deepStrictEqual(await read(second, "explorer.state"), await read(page, "explorer.state"));
        assert.deepStrictEqual(await read(second, "explorer.rows"), await read(page, "explorer.rows"));
        assert.deepStrictEqual(await read(second, "explorer.lineData()"), await read(page, "explorer.lineData()"));
        assert.equal(second.url(), url);
        // A bad value is named, and the family's starting value used instead.
        await second.goto(server.url + "?experiment=gaussian&dim=0&seeds=3&iterations=5");
        await waitDone(second);
        const problems = await read<string[]>(second, "explorer.problems");
        assert(problems.some((p) => p.startsWith("dim must be an integer >= 1")), problems.join("; "));
        await second.close();
      });

      await t.step("the downloads (CSV, Parquet) hold the page's rows and the experiment's version", async () => {
        const session = await page.createCDPSession();
        await session.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
        const rows = withVersion(await read<RunRow[]>(page, "explorer.rows"), EXPERIMENTS.gaussian.version);
        const saved = async (button: string, name: string): Promise<string> => {
          await page.click(button);
          const file = `${downloads}/${name}`;
          for (let i = 0; i < 100 && !(await Deno.stat(file).then(() => true, () => false)); i++) {
            await new Promise((r) => setTimeout(r, 50));
          }
          return file;
        };
        const [header, ...lines] = (await Deno.readTextFile(await saved("#download", "gaussian_runs.csv")))
          .trimEnd().split("\n");
        const columns = header.split(",");
        assert.deepStrictEqual(columns, Object.keys(rows[0]));
        assert.equal(lines.length, rows.length);
        lines.forEach((line, i) =>
          line.split(",").forEach((cell, j) => {
            const value = rows[i][columns[j]];
            assert.equal(typeof value === "number" ? Number(cell) : cell, value);
          })
        );
        // Parquet, read by the store's own reader.
        const parquet = pl.readParquet(await saved("#download-parquet", "gaussian_runs.parquet")).toRecords();
        assert.equal(parquet.length, rows.length);
        parquet.forEach((row, i) => {
          for (const [key, value] of Object.entries(rows[i])) assert.ok(Object.is(row[key], value), `row ${i}, ${key}`);
        });
      });

      await t.step("KDE: curves and the replayed samples are the library's; every family is listed", async () => {
        await page.goto(server.url + KDE_QUERY);
        await waitDone(page);
        const frames = await read<number[]>(page, "explorer.scatterFrames");
        assert.deepStrictEqual(frames, Array.from({ length: 100 }, (_, i) => i + 1));
        const configs = configsOf(KDE, 5);
        const replays = WORKFLOWS.map((workflow) => ({ ...KDE, workflow, seed: 0 }));
        const rows = await read<RunRow[]>(page, "explorer.rows");
        assert.deepStrictEqual(rows, await inPage(page, "kde", configs));
        const replayed: Record<string, SamplePoint[]> = {};
        for (const config of replays) {
          replayed[config.workflow as string] = await read<SamplePoint[]>(
            page,
            `explorer.referenceSamples("kde", ${JSON.stringify(config)}, ${JSON.stringify(frames)})`,
          );
        }
        const scatter = await read<ScatterPoint[]>(page, "explorer.scatterPoints");
        assert.deepStrictEqual(scatter, scatterPoints(replayed));
        const deno = await headless([
          ...configs.map((config): HeadlessRequest => ({ kind: "run", experiment: "kde", config })),
          ...replays.map((config): HeadlessRequest => ({ kind: "kdeSamples", config, iterations: frames })),
        ]);
        console.log(
          `KDE, page vs Deno on the same kernels: ${againstDeno(rows, (deno.slice(0, 15) as RunRow[][]).flat(), [])}`,
        );
        const denoPoints = Object.fromEntries(WORKFLOWS.map((w, i) => [w, deno[15 + i] as SamplePoint[]]));
        const asRows = (points: ScatterPoint[]): RunRow[] => points.map((p) => ({ ...p }));
        console.log(
          `KDE samples, page vs Deno: ${againstDeno(asRows(scatter), asRows(scatterPoints(denoPoints)), [])}`,
        );
        const options = await page.$$eval(
          "#experiment option",
          (os) =>
            os.map((o) => ({
              value: (o as unknown as { value: string; disabled: boolean }).value,
              disabled: (o as unknown as { value: string; disabled: boolean }).disabled,
            })),
        );
        assert.deepStrictEqual(options.map((o) => o.value), Object.keys(EXPERIMENTS));
        assert(options.find((o) => o.value === "lm")?.disabled, "the language model cannot run in a browser");
        const screenshot = Deno.env.get("EXPLORE_SCREENSHOT");
        if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
        // The slider starts at the last iteration; Play runs it from the first.
        assert.equal(await read(page, "explorer.scatterIteration()"), 100);
        await page.click("#play");
        await page.waitForFunction("(t => t > 2 && t < 100)(globalThis.explorer.scatterIteration())", {
          timeout: 5000,
          polling: 50,
        });
        await page.click("#play"); // pauses
        const paused = await read<number>(page, "explorer.scatterIteration()");
        assert(paused < 100, `paused at ${paused}`);
      });
      assert.deepStrictEqual(errors, [], "no error in the page");
    } finally {
      await browser?.close();
      await server.shutdown();
      await Deno.remove(site, { recursive: true });
      await Deno.remove(downloads, { recursive: true });
    }
  },
});
