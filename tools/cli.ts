/**
 * Command lines of the tools, parsed by `node:util`'s `parseArgs` with errors a person can act on: node's own
 * messages ("Unknown option '--bogus'. To specify a positional argument starting with a '-', ...") name neither
 * the allowed flags nor the tool's usage, and accept `--out-dir --refresh` as an out-dir called "--refresh" once
 * not strict. So the tokens are checked first, and every mistake is a {@linkcode UsageError} whose message names
 * the flag, what it allows, and ends with the tool's usage line.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

/** The flags a tool accepts, as `parseArgs` takes them. */
export type Flags = NonNullable<ParseArgsConfig["options"]>;

/** What {@linkcode parseCommandLine} returns: typed flag values and the positional arguments. */
export type CommandLine<T extends Flags> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
>;

/** A mistake on the command line; the message ends with the tool's usage line. */
export class UsageError extends Error {
  /** `problem` says what is wrong; `usage` is appended on its own line. */
  constructor(problem: string, readonly usage: string) {
    super(`${problem}\n${usage}`);
    this.name = "UsageError";
  }
}

/**
 * Parses `argv` (flags anywhere, `--flag value` or `--flag=value`, `--` ends the flags). Throws a
 * {@linkcode UsageError} for an unknown flag, a flag that needs a value and has none (or an empty one, or another
 * flag in its place), and a value given to a boolean flag.
 */
export function parseCommandLine<const T extends Flags>(
  argv: readonly string[],
  spec: { flags: T; usage: string },
): CommandLine<T> {
  const { flags, usage } = spec;
  const names = Object.keys(flags).map((name) => `--${name}`).join(", ");
  const { tokens } = parseArgs({
    args: [...argv],
    options: flags,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const flag = Object.hasOwn(flags, token.name) ? flags[token.name] : undefined;
    const shown = token.rawName.startsWith("--") ? token.rawName : `--${token.name}`;
    if (flag === undefined) {
      throw new UsageError(`unknown flag "${token.rawName}"; allowed flags: ${names}`, usage);
    }
    if (flag.type === "boolean" && token.value !== undefined) {
      throw new UsageError(`${shown} takes no value, got "${token.value}"`, usage);
    }
    if (flag.type === "string") {
      if (token.value === undefined || token.value === "") {
        throw new UsageError(`${shown} needs a value`, usage);
      }
      if (!token.inlineValue && token.value.length > 1 && token.value.startsWith("-")) {
        throw new UsageError(
          `${shown} needs a value, got the flag "${token.value}" (write ${shown}=${token.value} if that is the value)`,
          usage,
        );
      }
    }
  }
  return parseArgs({ args: [...argv], options: flags, allowPositionals: true, strict: true });
}

/** `value` if it is one of `allowed`; else a {@linkcode UsageError} listing them. */
export function oneOf<const V extends string>(
  value: string,
  spec: { flag: string; allowed: readonly V[]; usage: string },
): V {
  if ((spec.allowed as readonly string[]).includes(value)) return value as V;
  const allowed = spec.allowed.map((v) => `"${v}"`).join(", ");
  throw new UsageError(`${spec.flag} must be one of ${allowed}, got "${value}"`, spec.usage);
}

/** `value` as a number > 0 (an integer if `integer`); else a {@linkcode UsageError}. */
export function positiveNumber(
  value: string,
  spec: { flag: string; usage: string; integer?: boolean; unit?: string },
): number {
  const number = Number(value);
  if (value.trim() !== "" && Number.isFinite(number) && number > 0 && (!spec.integer || Number.isInteger(number))) {
    return number;
  }
  const wanted = spec.integer ? "an integer >= 1" : `a positive number${spec.unit ? ` of ${spec.unit}` : ""}`;
  throw new UsageError(`${spec.flag} must be ${wanted}, got "${value}"`, spec.usage);
}

/**
 * Runs a tool's `main` as the process: a {@linkcode UsageError} is printed (it ends with the usage line) with
 * exit code 2; any other error is printed after the tool's name, also with exit code 2.
 */
export async function runTool(
  name: string,
  main: () => number | Promise<number>,
): Promise<never> {
  try {
    Deno.exit(await main());
  } catch (error) {
    console.error(error instanceof UsageError ? error.message : `${name}: ${(error as Error).message}`);
    Deno.exit(2);
  }
}
