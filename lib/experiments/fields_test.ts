import assert from "node:assert/strict";
import { choice, describeFields, either, integer, onlyWhere, real, seed, text, validateFields } from "./fields.ts";

const fields = {
  kind: choice(["a", "b"] as const, { doc: "which kind" }),
  size: integer({ min: 2, max: 10 }),
  rate: real({ greaterThan: 0, max: 1, default: 0.5 }),
  width: either<number | "auto">([real({ greaterThan: 0 }), choice(["auto"])], { default: "auto" }),
  label: text({ pattern: /^[a-z]+$/, what: "lowercase letters", ...onlyWhere("kind", ["b"]) }),
  derived: integer({ min: 0, default: (c) => (c.size as number) * 2 }),
  extra: real({ optional: true }),
  seed: seed(),
};

Deno.test("a valid configuration comes back complete, in declaration order, defaults filled in", () => {
  const out = validateFields(fields, { seed: 3, size: 4, kind: "a" });
  assert.deepEqual(out, { kind: "a", size: 4, rate: 0.5, width: "auto", derived: 8, seed: 3 });
  assert.deepEqual(Object.keys(out), ["kind", "size", "rate", "width", "derived", "seed"]);
  const b = validateFields(fields, { kind: "b", size: 2, label: "xy", seed: 0, width: 2.5, derived: 0, extra: 1.5 });
  assert.deepEqual(b, { kind: "b", size: 2, rate: 0.5, width: 2.5, label: "xy", derived: 0, extra: 1.5, seed: 0 });
  assert(!("extra" in out), "an optional field left out stays out");
});

Deno.test("each bad value fails naming the field and what is allowed", () => {
  const good = { kind: "a", size: 4, seed: 0 };
  const cases: [Record<string, unknown>, string][] = [
    [{ ...good, kind: "c" }, 'kind must be one of "a", "b", got "c"'],
    [{ ...good, size: 1 }, "size must be an integer in [2, 10], got 1"],
    [{ ...good, size: 4.5 }, "size must be an integer in [2, 10], got 4.5"],
    [{ ...good, size: "4" }, 'size must be an integer in [2, 10], got "4"'],
    [{ ...good, rate: 0 }, "rate must be a finite number > 0 and <= 1, got 0"],
    [{ ...good, rate: Infinity }, "rate must be a finite number > 0 and <= 1, got null"],
    [{ ...good, width: "wide" }, 'width must be a finite number > 0, or one of "auto", got "wide"'],
    [{ ...good, seed: -1 }, "seed must be an integer >= 0, got -1"],
    [{ kind: "a", seed: 0 }, "size is required: an integer in [2, 10]"],
    [{ ...good, label: "x" }, 'field "label" does not apply here: only to kind "b"'],
    [{ kind: "b", size: 4, seed: 0 }, "label is required: lowercase letters"],
    [{ kind: "b", size: 4, seed: 0, label: "X" }, 'label must be lowercase letters, got "X"'],
    [
      { ...good, colour: 1 },
      'unknown field "colour"; allowed fields: kind, size, rate, width, label, derived, extra, seed',
    ],
  ];
  for (const [config, message] of cases) {
    assert.throws(() => validateFields(fields, config), (e: Error) => e instanceof RangeError && e.message === message);
  }
});

Deno.test("the documentation of fields lists each one's allowed values and default", () => {
  const docs = describeFields(fields);
  assert.deepEqual(docs[0], { name: "kind", allowed: 'one of "a", "b"', default: undefined, doc: "which kind" });
  assert.equal(docs[2].default, "0.5");
  assert.equal(docs[5].default, "derived");
  assert.equal(docs[6].default, "none");
});
