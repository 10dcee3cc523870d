import assert from "node:assert/strict";
import { Graph, INT64 } from "./graph.ts";
import { createSession, ort } from "./runtime.ts";

Deno.test("a graph of named inputs, constants and outputs runs on onnxruntime with exact small-integer results", async () => {
  const g = new Graph();
  const x = g.input("x", { shape: ["n", 2] });
  const w = g.floats([2, 3], Float32Array.of(1, 2, 3, 4, 5, 6));
  const bias = g.floats([3], Float32Array.of(10, 20, 30), { name: "bias" });
  const y = g.gemm(x, w, { bias });
  g.output(y, { name: "y", shape: ["n", 3] });
  g.output(g.sumRows(g.mul(y, g.scalar(2))), { name: "twice_column_sums", shape: [3] });
  const [left, right] = g.opN("Split", [x, g.ints([1, 1])], { outputs: ["left", "right"], attrs: { axis: 1 } });
  g.output(g.sub(left, right), { name: "difference", shape: ["n", 1] });
  g.input("unused", { shape: [1], type: INT64 });
  assert.equal(right, "right");
  const session = await createSession(g.encode({ name: "test", producer: "graph_test" }), { threads: 1 });
  assert.deepEqual(session.outputNames, ["y", "twice_column_sums", "difference"]);
  const { Tensor } = ort();
  const out = await session.run({
    x: new Tensor("float32", Float32Array.of(1, 0, 2, 1), [2, 2]),
    unused: new Tensor("int64", BigInt64Array.of(0n), [1]),
  });
  // [1 0; 2 1] [1 2 3; 4 5 6] + [10 20 30] = [11 22 33; 16 29 42].
  assert.deepEqual([...out.y.data as Float32Array], [11, 22, 33, 16, 29, 42]);
  assert.deepEqual([...out.twice_column_sums.data as Float32Array], [54, 102, 150]);
  assert.deepEqual([...out.difference.data as Float32Array], [1, 1]);
  await session.release();
});

Deno.test("fresh names never collide and attributes of every kind encode", () => {
  const g = new Graph();
  const names = new Set(Array.from({ length: 100 }, () => g.fresh("t")));
  assert.equal(names.size, 100);
  g.op("Cast", ["a"], { to: 1 });
  g.op("LeakyRelu", ["a"], { alpha: 0.5 });
  g.op("Transpose", ["a"], { perm: [1, 0] });
  g.op("ScatterElements", ["a", "b", "c"], { reduction: "add" });
  const attrs = g.nodes.map((n) => n.attribute![0]);
  assert.deepEqual(attrs.map((a) => a.name), ["to", "alpha", "perm", "reduction"]);
  assert.equal(attrs[0].i, 1);
  assert.equal(attrs[1].f, 0.5);
  assert.deepEqual(attrs[2].ints, [1, 0]);
  assert.equal(new TextDecoder().decode(attrs[3].s!), "add");
});
