import assert from "node:assert/strict";
import { oneOf, parseCommandLine, positiveNumber, UsageError } from "./cli.ts";

const usage = "usage: tool [--name X] [--verbose] FILE...";
const flags = { name: { type: "string" }, verbose: { type: "boolean", short: "v" } } as const;

Deno.test("cli: flags anywhere, inline values, -- ends the flags, short aliases", () => {
  const { values, positionals } = parseCommandLine(["a", "--name=x", "-v", "b", "--", "--c"], { flags, usage });
  assert.deepEqual({ ...values }, { name: "x", verbose: true });
  assert.deepEqual(positionals, ["a", "b", "--c"]);
  assert.equal(parseCommandLine(["--name", "-"], { flags, usage }).values.name, "-", '"-" is a value');
  assert.equal(parseCommandLine(["--name=-x"], { flags, usage }).values.name, "-x");
});

Deno.test("cli: every mistake is a UsageError naming the flag, ending with the usage line", () => {
  const cases: [string[], RegExp][] = [
    [["--nme", "x"], /^unknown flag "--nme"; allowed flags: --name, --verbose\n/],
    [["-q"], /^unknown flag "-q"; allowed flags/],
    [["--constructor"], /^unknown flag "--constructor"/],
    [["--name"], /^--name needs a value\n/],
    [["--name", "-v"], /^--name needs a value, got the flag "-v" \(write --name=-v if that is the value\)/],
    [["--verbose=1"], /^--verbose takes no value, got "1"/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseCommandLine(argv, { flags, usage }), (error: unknown) => {
      assert(error instanceof UsageError, argv.join(" "));
      assert.match(error.message, message);
      assert(error.message.endsWith(`\n${usage}`));
      return true;
    });
  }
});

Deno.test("cli: allowed values and positive numbers", () => {
  assert.equal(oneOf("b", { flag: "--mode", allowed: ["a", "b"], usage }), "b");
  assert.throws(() => oneOf("c", { flag: "--mode", allowed: ["a", "b"], usage }), {
    name: "UsageError",
    message: /^--mode must be one of "a", "b", got "c"\n/,
  });
  assert.equal(positiveNumber("2.5", { flag: "--t", usage }), 2.5);
  assert.equal(positiveNumber("4", { flag: "--k", integer: true, usage }), 4);
  for (const bad of ["0", "-1", "", " ", "x", "Infinity", "NaN"]) {
    assert.throws(() => positiveNumber(bad, { flag: "--t", unit: "seconds", usage }), {
      message: new RegExp(`^--t must be a positive number of seconds, got "${bad}"`),
    });
  }
  assert.throws(() => positiveNumber("1.5", { flag: "--k", integer: true, usage }), {
    message: /^--k must be an integer >= 1, got "1.5"/,
  });
});
