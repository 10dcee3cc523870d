import assert from "node:assert/strict";
import { EXPERIMENTS } from "../lib/experiments/mod.ts";
import { controlsFor, workflowChoices } from "./controls.ts";
import { parseExploreArgs } from "./main.ts";
import { siteResponse } from "./server.ts";
import { decodeState, initialState } from "./state.ts";

const registry = EXPERIMENTS;

Deno.test("controls come from the fields: menus for choices, boxes with the grids' values, only what applies", () => {
  const kde = controlsFor(registry.kde, initialState(registry.kde));
  assert.deepStrictEqual(kde.map((c) => [c.name, c.kind]), [
    ["samplesPerIteration", "list"],
    ["dataset", "menu"],
    ["bandwidth", "text"],
    ["kernel", "menu"],
    ["iterations", "text"],
    ["scoresPerDecade", "text"],
    ["verifier", "menu"],
  ]);
  const byName = Object.fromEntries(kde.map((c) => [c.name, c]));
  assert.deepStrictEqual(byName.dataset.options, ["blobs", "circles", "moons", "swiss_roll"]);
  assert.equal(byName.dataset.text, "moons");
  assert.ok(byName.bandwidth.suggestions.includes("scott") && byName.bandwidth.suggestions.includes("0.1"));
  assert.equal(byName.bandwidth.doc, registry.kde.fields.bandwidth.doc);
  const gaussian = controlsFor(registry.gaussian, initialState(registry.gaussian));
  const sampling = gaussian.find((c) => c.name === "sampling")!;
  assert.deepStrictEqual([sampling.options, sampling.derived], [["", "points", "statistics"], true]);
  assert.deepStrictEqual(gaussian.find((c) => c.name === "verifier")!.options, ["", "oracle", "first-fit"]);
  assert.equal(gaussian.some((c) => c.name === "freshFraction"), false, "only with Fresh");
  const fresh = decodeState("experiment=gaussian&workflow=Fresh", { registry }).state;
  assert.equal(controlsFor(registry.gaussian, fresh).some((c) => c.name === "freshFraction"), true);
  assert.deepStrictEqual(workflowChoices(registry.gaussian, fresh), [
    { workflow: "Replace", on: false },
    { workflow: "Accumulate-Subsample", on: false },
    { workflow: "Accumulate", on: false },
    { workflow: "Fresh", on: true },
  ]);
});

Deno.test("explore's command line: --port and --build, with errors that name the flag", () => {
  assert.deepStrictEqual(parseExploreArgs([]), { port: undefined, build: undefined, help: false });
  assert.deepStrictEqual(parseExploreArgs(["--port", "9000"]), { port: 9000, build: undefined, help: false });
  assert.deepStrictEqual(parseExploreArgs(["--build=site"]), { port: undefined, build: "site", help: false });
  assert.throws(() => parseExploreArgs(["--port", "0"]), /--port must be an integer >= 1, got "0"/);
  assert.throws(() => parseExploreArgs(["--port", "70000"]), /--port must be at most 65535/);
  assert.throws(() => parseExploreArgs(["--build"]), /--build needs a value/);
  assert.throws(() => parseExploreArgs(["--port", "1", "--build", "x"]), /give one of them/);
  assert.throws(() => parseExploreArgs(["--open"]), /unknown flag "--open"; allowed flags: --port, --build, --help/);
  assert.throws(() => parseExploreArgs(["site"]), /unexpected argument "site"/);
});

Deno.test("the server serves the site's files with their types, and nothing outside it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/index.html`, "<p>hi</p>");
    await Deno.writeTextFile(`${dir}/main.js`, "1");
    const index = await siteResponse(dir, "/");
    assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await index.text(), "<p>hi</p>");
    assert.equal((await siteResponse(dir, "/main.js")).headers.get("content-type"), "text/javascript; charset=utf-8");
    for (const path of ["/missing.js", "/../etc/passwd", "/%2e%2e/x", "/.hidden", "/a/b.js"]) {
      const response = await siteResponse(dir, path);
      assert.equal(response.status, 404, path);
      await response.body?.cancel();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
