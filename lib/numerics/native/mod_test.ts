import assert from "node:assert/strict";
import { addKernelSumsTypeScript, emptyKernelSums, type KernelSums } from "../kernel_sums.ts";
import { dotRowsTypeScript, matrix } from "../matrix.ts";
import { Rng } from "../rng.ts";
import { nativeKernels } from "./mod.ts";
import { assertClose } from "../_test_utils.ts";

const native = nativeKernels();
// Machines without a C compiler run the TypeScript loops; there is nothing native to test.
const ignore = native === undefined;

/** C = A B^T by the textbook triple loop. */
function naiveDotRows(a: Float64Array, b: Float64Array, shape: { m: number; n: number; k: number }): Float64Array {
  const { m, n, k } = shape;
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p] * b[j * k + p];
      c[i * n + j] = sum;
    }
  }
  return c;
}

Deno.test({
  name: "native dotRows equals the triple loop and the TypeScript kernel, for every block remainder",
  ignore,
  fn() {
    const rng = new Rng(1);
    for (const m of [1, 2, 3, 5, 8]) {
      for (const n of [1, 3, 4, 6, 9]) {
        for (const k of [0, 1, 3, 4, 7, 65]) {
          const a = rng.fillNormal(new Float64Array(m * k)), b = rng.fillNormal(new Float64Array(n * k));
          const out = new Float64Array(m * n);
          native!.dotRows(a, b, { out, rows: m, columns: n, depth: k, symmetric: false });
          // Each entry sums k products of N(0,1) values in another order: rounding ~k * 2^-53 * sum |terms|.
          const expected = naiveDotRows(a, b, { m, n, k });
          assertClose(out, expected, 1e-13);
          assertClose(dotRowsTypeScript(a, b, { rows: m, columns: n, depth: k }), expected, 1e-13);
        }
      }
    }
  },
});

Deno.test({
  name: "native dotRows with symmetric: true fills both triangles of A A^T and (A W) A^T exactly symmetric",
  ignore,
  fn() {
    const rng = new Rng(2);
    for (const m of [1, 2, 5, 7, 12]) {
      const k = 33;
      const a = rng.fillNormal(new Float64Array(m * k));
      const weights = Float64Array.from({ length: k }, () => rng.int(4));
      const aw = a.map((v, i) => v * weights[i % k]);
      for (const left of [a, aw]) {
        const out = new Float64Array(m * m);
        native!.dotRows(left, a, { out, rows: m, columns: m, depth: k, symmetric: true });
        assertClose(out, naiveDotRows(left, a, { m, n: m, k }), 1e-13);
        for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) assert.equal(out[i * m + j], out[j * m + i]);
      }
    }
  },
});

function nativeSums(state: KernelSums, test: Float64Array, options: { points: Float64Array; dim: number; h: number }) {
  const { points, dim, h } = options;
  const count = points.length / dim;
  const columns = new Float64Array(points.length);
  for (let p = 0; p < count; p++) for (let j = 0; j < dim; j++) columns[j * count + p] = points[p * dim + j];
  native!.kdeAddSums(test, {
    points: columns,
    count,
    dim,
    bandwidth: h,
    tophat: false,
    max: state.max,
    sum: state.sum,
  });
}

Deno.test({
  name: "native kernel sums equal the TypeScript ones (log-sums to 1e-13), carried over several batches",
  ignore,
  fn() {
    const rng = new Rng(3);
    // d = 1, 2, 3 and 5; batch sizes across the 1024-point blocks and the 4-lane remainders.
    for (const dim of [1, 2, 3, 5]) {
      for (const h of [0.05, 0.5, 5]) {
        const m = 37;
        const test = rng.fillNormal(new Float64Array(m * dim));
        const a = emptyKernelSums(m), b = emptyKernelSums(m);
        for (const count of [1, 3, 1030, 250]) {
          // Spread 3: with h = 0.05 most terms fall below e^-50 of the maximum and are skipped by both.
          const points = rng.fillNormal(new Float64Array(count * dim)).map((v) => 3 * v);
          addKernelSumsTypeScript(a, matrix(m, dim, test), {
            points: matrix(count, dim, points),
            bandwidth: h,
            kernel: "gaussian",
          });
          nativeSums(b, test, { points, dim, h });
          for (let i = 0; i < m; i++) {
            const logA = a.max[i] + Math.log(a.sum[i]), logB = b.max[i] + Math.log(b.sum[i]);
            assert(
              Math.abs(logA - logB) <= 1e-13 * Math.max(1, Math.abs(logA)),
              `dim ${dim}, h ${h}: ${logA} vs ${logB}`,
            );
          }
        }
      }
    }
  },
});

Deno.test({
  name: "native kernel sums: a one-point KDE is exact, far points stay finite, and top-hat counts match",
  ignore,
  fn() {
    // One training point at the origin, test points at distance r: log-kernel exactly -r^2 / (2 h^2), sum 1.
    const test = Float64Array.from([0, 0, 3, 4, 300, 400]);
    const state = emptyKernelSums(3);
    nativeSums(state, test, { points: Float64Array.from([0, 0]), dim: 2, h: 0.5 });
    assert.deepEqual(Array.from(state.max), [-0, -50, -500000]);
    assert.deepEqual(Array.from(state.sum), [1, 1, 1]);
    // Top-hat: the count of points strictly within h, whatever the order.
    const rng = new Rng(4);
    const points = rng.fillNormal(new Float64Array(2 * 2001));
    const t = rng.fillNormal(new Float64Array(2 * 11));
    const a = emptyKernelSums(11), b = emptyKernelSums(11);
    addKernelSumsTypeScript(a, matrix(11, 2, t), { points: matrix(2001, 2, points), bandwidth: 0.3, kernel: "tophat" });
    const columns = new Float64Array(points.length);
    for (let p = 0; p < 2001; p++) for (let j = 0; j < 2; j++) columns[j * 2001 + p] = points[p * 2 + j];
    native!.kdeAddSums(t, {
      points: columns,
      count: 2001,
      dim: 2,
      bandwidth: 0.3,
      tophat: true,
      max: b.max,
      sum: b.sum,
    });
    assert.deepEqual(Array.from(b.sum), Array.from(a.sum));
    assert(b.sum.some((count) => count > 0));
  },
});

Deno.test({
  name:
    "native kernel sums: every route (all terms, the kept ones gathered, sparse blocks skipped) gives the same bits",
  ignore,
  fn() {
    // The same ten kept terms at positions 0..23 of the block, then far points (skipped: +0) up to 24, 64 and 1024
    // positions: ten kept of 24 takes the route that computes every term, of 64 the one that gathers the kept
    // terms, of 1024 the one that also skips eight-position runs with nothing kept. Each lane adds the same terms
    // in the same order, so the sums agree to the bit.
    const h = 0.2, test = Float64Array.from([0.05, -0.03, 1.5, 1.5]);
    const rng = new Rng(9);
    const near = Array.from({ length: 10 }, () => [0.3 * rng.normal(), 0.3 * rng.normal()]);
    const kept = new Set([0, 3, 4, 7, 9, 12, 16, 17, 21, 23]);
    const sums = [24, 64, 1024].map((size) => {
      const points = new Float64Array(2 * size);
      let next = 0;
      for (let p = 0; p < size; p++) {
        const [x, y] = kept.has(p) ? near[next++] : [40 + p, -40];
        points[2 * p] = x;
        points[2 * p + 1] = y;
      }
      const state = emptyKernelSums(2);
      nativeSums(state, test, { points, dim: 2, h });
      return state;
    });
    assert(sums[0].sum[0] > 1 && sums[0].sum[1] > 0);
    for (const other of sums.slice(1)) {
      assert.deepEqual(Array.from(other.max), Array.from(sums[0].max));
      assert.deepEqual(Array.from(other.sum), Array.from(sums[0].sum));
    }
  },
});

Deno.test({
  name:
    "native kernel sums: a test point after a dense one, its route taken uncounted, and skipped blocks: the same bits",
  ignore,
  fn() {
    // 64 training points: 10 near the origin (positions 0, 6, ..., 54), 54 near (5, 5). With h = 0.2, a test point
    // near (5, 5) keeps 54 of the 64 terms (the route that computes every term), one near the origin keeps 10 (the
    // route that gathers them, where it is counted). After the first, the second takes the first's route without
    // counting; its sums must be the bits it gets alone, counted.
    const h = 0.2, rng = new Rng(10);
    const points = new Float64Array(2 * 64);
    for (let p = 0; p < 64; p++) {
      const centre = p % 6 === 0 && p < 60 ? 0 : 5;
      points[2 * p] = centre + 0.3 * rng.normal();
      points[2 * p + 1] = centre + 0.3 * rng.normal();
    }
    const dense = [5.1, 4.9], sparse = [0.05, -0.03];
    const together = emptyKernelSums(2), alone = emptyKernelSums(1);
    nativeSums(together, Float64Array.from([...dense, ...sparse]), { points, dim: 2, h });
    nativeSums(alone, Float64Array.from(sparse), { points, dim: 2, h });
    assert.equal(together.max[1], alone.max[0]);
    assert.equal(together.sum[1], alone.sum[0]);
    assert(alone.sum[0] > 1 && together.sum[0] > 10);
    // A later batch far from both keeps no term (below e^-50 of the maximum): the state is unchanged, bit for bit.
    const before = [...together.max, ...together.sum];
    const far = Float64Array.from({ length: 2 * 40 }, (_, i) => 100 + i);
    nativeSums(together, Float64Array.from([...dense, ...sparse]), { points: far, dim: 2, h });
    assert.deepEqual([...together.max, ...together.sum], before);
  },
});

Deno.test({
  name: "native kernels reject mismatched sizes",
  ignore,
  fn() {
    const out = new Float64Array(4);
    assert.throws(
      () =>
        native!.dotRows(new Float64Array(6), new Float64Array(6), {
          out,
          rows: 2,
          columns: 2,
          depth: 4,
          symmetric: false,
        }),
      /do not match/,
    );
  },
});

Deno.test("COLLAPSE_NATIVE=0 turns the native kernels off", async () => {
  const probe = `import { nativeKernels } from ${JSON.stringify(new URL("./mod.ts", import.meta.url).href)};
    console.log(nativeKernels() === undefined ? "off" : "on");`;
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", probe],
    env: { COLLAPSE_NATIVE: "0" },
  }).output();
  assert.equal(new TextDecoder().decode(stdout).trim(), "off");
});

Deno.test("a fresh checkout compiles the kernels into .cache/native; a failing compiler falls back to TypeScript", async () => {
  // A copy of lib/numerics/native (and the modules it imports) in a scratch tree: its .cache/native starts empty.
  const scratch = await Deno.makeTempDir({ prefix: "collapse-native-" });
  try {
    await Deno.mkdir(`${scratch}/lib/numerics/native`, { recursive: true });
    await Deno.mkdir(`${scratch}/lib/util`, { recursive: true });
    const cFiles = [...Deno.readDirSync(new URL("./", import.meta.url))].map((e) => e.name).filter((name) =>
      /\.[ch]$/.test(name)
    );
    const sources = [
      ...cFiles.map((name) => `numerics/native/${name}`),
      "numerics/native/mod.ts",
      "numerics/native/build.ts",
      "numerics/native/symbols.ts",
      "numerics/native/types.ts",
    ];
    for (const file of [...sources, "numerics/hash.ts", "util/files.ts", "util/profile.ts"]) {
      await Deno.copyFile(new URL(`../../${file}`, import.meta.url), `${scratch}/lib/${file}`);
    }
    const probe = `import { nativeKernels } from "${scratch}/lib/numerics/native/mod.ts";
      const native = nativeKernels();
      console.log(native ? "on" : "off");
      if (native) {
        const out = new Float64Array(1);
        native.dotRows(Float64Array.of(1, 2, 3), Float64Array.of(4, 5, 6), { out, rows: 1, columns: 1, depth: 3, symmetric: false });
        console.log(out[0]);
      }`;
    const runProbe = async (env: Record<string, string>) => {
      const { stdout, stderr } = await new Deno.Command(Deno.execPath(), { args: ["eval", probe], env }).output();
      return { out: new TextDecoder().decode(stdout).trim(), err: new TextDecoder().decode(stderr) };
    };
    const failing = await runProbe({ CC: "false", COLLAPSE_NATIVE: "1" });
    assert.equal(failing.out, "off");
    assert.match(failing.err, /native kernels unavailable \(no C compiler built kernels.c/);
    if (ignore) return; // no compiler here: nothing more to build
    const built = await runProbe({ COLLAPSE_NATIVE: "1" });
    assert.equal(built.out, "on\n32");
    const files = [...Deno.readDirSync(`${scratch}/.cache/native`)].map((e) => e.name);
    assert.equal(files.length, 1, `one library and no temporary files, got ${files}`);
    assert.match(files[0], /^kernels-[0-9a-f]{16}\.(so|dylib|dll)$/);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test({
  name: "native centredColumns: each row less the centre, transposed, and times its weight, for every block remainder",
  ignore,
  fn() {
    const rng = new Rng(5);
    for (const [rows, d] of [[1, 1], [63, 3], [64, 2], [200, 7], [1000, 100]]) {
      const x = Float64Array.from({ length: rows * d }, () => 10 * rng.normal());
      const centre = Float64Array.from({ length: d }, () => rng.normal());
      const weights = Float64Array.from({ length: rows }, () => rng.random());
      const columns = new Float64Array(rows * d), weighted = new Float64Array(rows * d);
      native!.centredColumns(x, { dim: d, centre, weights, columns, weighted });
      const plain = new Float64Array(rows * d);
      native!.centredColumns(x, { dim: d, centre, columns: plain });
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < d; j++) {
          const v = x[r * d + j] - centre[j];
          assert(
            Object.is(columns[j * rows + r], v) && Object.is(plain[j * rows + r], v),
            `${rows} x ${d}: (${r}, ${j})`,
          );
          assert(Object.is(weighted[j * rows + r], v * weights[r]));
        }
      }
    }
  },
});
