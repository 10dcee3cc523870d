/**
 * Configuration fields, declared once per experiment with their type, range,
 * allowed values, default and meaning. Validation of a run's configuration,
 * its error messages (each names the field and what is allowed), sweep-file
 * checking and the generated documentation all come from these declarations.
 *
 * ```ts
 * const fields = {
 *   dim: integer({ min: 1, doc: "dimension d" }),
 *   workflow: choice(WORKFLOWS, { doc: "training workflow" }),
 *   bandwidth: either([real({ greaterThan: 0 }), choice(["scott", "silverman"])], { doc: "kernel bandwidth h" }),
 * };
 * validateFields(fields, { dim: 3, workflow: "Replace", bandwidth: "scott" });
 * ```
 *
 * @module
 */

/** A configuration value: flat JSON scalars only, so each becomes a column of the store. */
export type Value = string | number | boolean;

/** A configuration as it arrives (from a sweep file, a notebook, a URL) or as it is stored. */
export type Config = Record<string, Value>;

/** The declaration of one field. */
export interface Field<T extends Value = Value> {
  /** What the field means, for documentation and sweep files. */
  readonly doc: string;
  /** The stored column's type ("integer" fields are stored as integer columns). */
  readonly column: "integer" | "float" | "string" | "boolean" | "mixed";
  /** The value used when the field is absent: a constant, or computed from the fields declared before it. */
  readonly default?: T | ((config: Config) => T);
  /** When present, the field applies only where this holds (for the fields declared before it); elsewhere it must be absent. */
  readonly when?: (config: Config) => boolean;
  /** Where the field applies, in words (for the error when it is given elsewhere), e.g. 'family "kde"'. */
  readonly appliesTo?: string;
  /**
   * May be left out (without a default): the configuration then has no such
   * key, so adding an optional field to an experiment changes no stored run's
   * identity.
   */
  readonly optional?: boolean;
  /** The allowed values, in words: "an integer >= 1", 'one of "a", "b"'. */
  describe(): string;
  /** `value` if allowed, else undefined. */
  accept(value: unknown): T | undefined;
}

/** Options every field takes. */
export interface FieldOptions<T extends Value> {
  doc?: string;
  default?: T | ((config: Config) => T);
  when?: (config: Config) => boolean;
  appliesTo?: string;
  optional?: boolean;
}

/** A safe integer in [min, max] (default min 1; max unbounded). */
export function integer(options: FieldOptions<number> & { min?: number; max?: number } = {}): Field<number> {
  const min = options.min ?? 1, max = options.max ?? Number.MAX_SAFE_INTEGER;
  return {
    ...common(options),
    column: "integer",
    describe: () => max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`,
    accept: (v) => typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max ? v : undefined,
  };
}

/** A finite number; bounds are inclusive (`min`, `max`) or exclusive (`greaterThan`, `lessThan`). */
export function real(
  options: FieldOptions<number> & { min?: number; max?: number; greaterThan?: number; lessThan?: number } = {},
): Field<number> {
  const bounds: string[] = [];
  if (options.greaterThan !== undefined) bounds.push(`> ${options.greaterThan}`);
  if (options.min !== undefined) bounds.push(`>= ${options.min}`);
  if (options.lessThan !== undefined) bounds.push(`< ${options.lessThan}`);
  if (options.max !== undefined) bounds.push(`<= ${options.max}`);
  const ok = (v: number): boolean =>
    Number.isFinite(v) && !(options.greaterThan !== undefined && !(v > options.greaterThan)) &&
    !(options.min !== undefined && !(v >= options.min)) &&
    !(options.lessThan !== undefined && !(v < options.lessThan)) &&
    !(options.max !== undefined && !(v <= options.max));
  return {
    ...common(options),
    column: "float",
    describe: () => `a finite number${bounds.length ? " " + bounds.join(" and ") : ""}`,
    accept: (v) => typeof v === "number" && ok(v) ? v : undefined,
  };
}

/** One of a fixed list of strings. */
export function choice<const T extends string>(
  values: readonly T[],
  options: FieldOptions<T> = {},
): Field<T> {
  return {
    ...common(options),
    column: "string",
    describe: () => `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`, // the wording of assertOneOf
    accept: (v) => values.includes(v as T) ? v as T : undefined,
  };
}

/** Any string matching `pattern` (default: non-empty). */
export function text(options: FieldOptions<string> & { pattern?: RegExp; what?: string } = {}): Field<string> {
  const pattern = options.pattern ?? /./;
  return {
    ...common(options),
    column: "string",
    describe: () => options.what ?? `a string matching ${pattern}`,
    accept: (v) => typeof v === "string" && pattern.test(v) ? v : undefined,
  };
}

/** The first of `alternatives` that accepts the value (e.g. a number or a rule's name). */
export function either<T extends Value>(
  alternatives: readonly Field<T>[],
  options: FieldOptions<T> = {},
): Field<T> {
  return {
    ...common(options),
    column: "mixed",
    describe: () => alternatives.map((a) => a.describe()).join(", or "),
    accept: (v) => {
      for (const a of alternatives) {
        const accepted = a.accept(v);
        if (accepted !== undefined) return accepted;
      }
      return undefined;
    },
  };
}

/** A run's seed: a non-negative safe integer, as the generator takes it. */
export function seed(options: FieldOptions<number> = {}): Field<number> {
  return integer({ doc: "seed of every random stream of the run", ...options, min: 0, max: Number.MAX_SAFE_INTEGER });
}

function common<T extends Value>(
  options: FieldOptions<T>,
): Pick<Field<T>, "doc" | "default" | "when" | "appliesTo" | "optional"> {
  const { doc = "", default: fallback, when, appliesTo, optional } = options;
  return { doc, default: fallback, when, appliesTo, optional };
}

/** `when` and `appliesTo` of a field that applies only where `field` takes one of `values`. */
export function onlyWhere(field: string, values: readonly string[]): Pick<FieldOptions<Value>, "when" | "appliesTo"> {
  return {
    when: (config: Config): boolean => values.includes(config[field] as string),
    appliesTo: `${field} ${values.map((v) => JSON.stringify(v)).join(" or ")}`,
  };
}

/** The declarations of an experiment's fields, in the order configurations list them. */
export type Fields = Readonly<Record<string, Field>>;

/** The configuration type `fields` validate to. */
export type ConfigOf<F extends Fields> = { [K in keyof F]: F[K] extends Field<infer T> ? T : never } & Config;

/**
 * Checks `config` against `fields`, naming the first bad field and what is
 * allowed, and returns it complete: every field in declaration order, defaults
 * filled in, fields that do not apply (`when`) left out.
 */
export function validateFields<F extends Fields>(fields: F, config: Record<string, unknown>): ConfigOf<F> {
  const names = Object.keys(fields);
  for (const key of Object.keys(config)) {
    if (!Object.hasOwn(fields, key)) {
      throw new RangeError(`unknown field "${key}"; allowed fields: ${names.join(", ")}`);
    }
  }
  const out: Config = {};
  for (const name of names) {
    const field = fields[name];
    if (field.when && !field.when(out)) {
      if (config[name] !== undefined) {
        throw new RangeError(
          `field "${name}" does not apply here${field.appliesTo ? `: only to ${field.appliesTo}` : ""}`,
        );
      }
      continue;
    }
    let value = config[name];
    if (value === undefined && field.default !== undefined) {
      value = typeof field.default === "function" ? field.default(out) : field.default;
    }
    if (value === undefined) {
      if (field.optional) continue;
      throw new RangeError(`${name} is required: ${field.describe()}`);
    }
    const accepted = field.accept(value);
    if (accepted === undefined) {
      throw new RangeError(`${name} must be ${field.describe()}, got ${JSON.stringify(value)}`);
    }
    out[name] = accepted;
  }
  return out as ConfigOf<F>;
}

/** One line per field: its name, allowed values, default and meaning (for sweep files and docs). */
export function describeFields(fields: Fields): { name: string; allowed: string; default?: string; doc: string }[] {
  return Object.entries(fields).map(([name, field]) => ({
    name,
    allowed: field.describe(),
    default: field.default === undefined
      ? (field.optional ? "none" : undefined)
      : typeof field.default === "function"
      ? "derived"
      : JSON.stringify(field.default),
    doc: field.doc,
  }));
}
