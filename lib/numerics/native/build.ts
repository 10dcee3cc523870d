/**
 * The native kernels' build: kernels.c compiled with the machine's C compiler
 * (`$CC`, else cc, gcc or clang) into `.cache/native/` at the repository
 * root, keyed by the sources and the flags, so a change to either builds
 * afresh and an unchanged one loads the cached library. The flags keep the
 * written arithmetic exactly (no fast-math, no contraction the compiler
 * chooses); the instruction sets are those the CPU has, or fewer where
 * `COLLAPSE_NATIVE_ISA` says ({@linkcode NATIVE_ISAS}): the tests build each
 * and check that every one gives the same bits.
 *
 * @module
 */

import { fnv1a64 } from "../hash.ts";
import { exists } from "../../util/files.ts";

/** Flags: optimise, keep the written arithmetic exactly (no contraction into FMA, no fast-math). */
const BASE_FLAGS = ["-O2", "-shared", "-fPIC", "-ffp-contract=off", "-fno-math-errno", "-Wno-psabi"];
/** Linked after the source: the C library's exp, log and pow (the ones V8 takes pow from). */
const LIBRARIES = ["-lm"];

/**
 * The instruction sets a build may use: "widest" (every one below that the CPU has: AVX-512 F and DQ, AVX2, FMA;
 * the default), "avx2" (AVX2 and FMA, not AVX-512), "baseline" (none of them: the compiler's default for the
 * architecture, and the C library's fma).
 */
export const NATIVE_ISAS = ["widest", "avx2", "baseline"] as const;

/** `COLLAPSE_NATIVE_ISA`, checked against {@linkcode NATIVE_ISAS}; "widest" when unset. */
export function nativeIsa(): string {
  const isa = Deno.env.get("COLLAPSE_NATIVE_ISA") ?? "widest";
  if (!(NATIVE_ISAS as readonly string[]).includes(isa)) {
    throw new RangeError(
      `COLLAPSE_NATIVE_ISA must be one of ${NATIVE_ISAS.map((v) => JSON.stringify(v)).join(", ")}, got ${
        JSON.stringify(isa)
      }`,
    );
  }
  return isa;
}

/**
 * The compiled library for instruction set `isa`, built unless cached: its path, and the build as text (compiler,
 * flags, path). Throws naming every compiler tried when none builds it.
 */
export function buildKernels(isa: string): { path: string; build: string } {
  const sourceUrl = new URL("./kernels.c", import.meta.url);
  // kernels.c includes the other C files of this folder: the key covers them all.
  const folder = new URL("./", import.meta.url);
  const parts = [...Deno.readDirSync(folder)].map((e) => e.name).filter((name) => /\.[ch]$/.test(name)).sort();
  const source = parts.map((name) => `${name}\n${Deno.readTextFileSync(new URL(name, folder))}`).join("\n");
  const cpu = cpuFlags();
  if (isa === "baseline") cpu.clear();
  if (isa !== "widest") cpu.delete("avx512f");
  const flags = [
    ...BASE_FLAGS,
    ...(cpu.has("avx2") ? ["-mavx2"] : []),
    // Fused multiply-adds as instructions (without them, the C library's fma: the same bits, slower).
    ...(cpu.has("fma") ? ["-mfma"] : []),
    // Eight-lane exponentials in the kernel sums (the same bits as four-lane ones: see kernels.c).
    ...(cpu.has("avx512f") && cpu.has("avx512dq") ? ["-mavx512f", "-mavx512dq"] : []),
  ];
  const cacheDir = new URL("../../../.cache/native/", import.meta.url).pathname;
  const suffix = Deno.build.os === "darwin" ? "dylib" : Deno.build.os === "windows" ? "dll" : "so";
  const key = fnv1a64(source + flags.join(" "));
  const path = `${cacheDir}kernels-${key}.${suffix}`;
  let compiler = "cached";
  if (!exists(path)) {
    Deno.mkdirSync(cacheDir, { recursive: true });
    // Compile to a private name and rename: workers that start together never load a half-written file.
    const temporary = `${path}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
    const errors: string[] = [];
    for (const cc of compilers()) {
      try {
        const result = new Deno.Command(cc, { args: [...flags, "-o", temporary, sourceUrl.pathname, ...LIBRARIES] })
          .outputSync();
        if (result.success) {
          compiler = cc;
          break;
        }
        errors.push(`${cc}: ${new TextDecoder().decode(result.stderr).trim().split("\n")[0]}`);
      } catch (error) {
        errors.push(`${cc}: ${(error as Error).message.split("\n")[0]}`);
      }
    }
    if (compiler === "cached") throw new Error(`no C compiler built kernels.c (${errors.join("; ")})`);
    Deno.renameSync(temporary, path);
  }
  return { path, build: `${compiler} ${flags.join(" ")} -> ${path}` };
}

function compilers(): string[] {
  const chosen = Deno.env.get("CC");
  return chosen ? [chosen] : ["cc", "gcc", "clang"];
}

/** The CPU's instruction-set flags where /proc/cpuinfo lists them (Linux on x86-64); elsewhere none (the portable build). */
function cpuFlags(): Set<string> {
  if (Deno.build.arch !== "x86_64" || Deno.build.os !== "linux") return new Set();
  try {
    const line = Deno.readTextFileSync("/proc/cpuinfo").split("\n").find((l) => l.startsWith("flags"));
    return new Set(line?.split(":")[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return new Set();
  }
}
