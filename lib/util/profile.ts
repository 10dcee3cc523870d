/**
 * Time spent in named sections of code (the native kernels, each wrapped by
 * lib/numerics/native/mod.ts), counted only while enabled: `sweep --profile`
 * enables it in the runner's workers and reports the totals beside the store's
 * and the workers' time (lib/run/runner.ts).
 *
 * @module
 */

/** Calls of one section and the milliseconds they took. */
export interface SectionTime {
  calls: number;
  ms: number;
}

let enabled = false;
let sections = new Map<string, SectionTime>();

/** Turns the counting on or off (off by default: a section then costs one flag test per call). */
export function enableSectionTiming(on = true): void {
  enabled = on;
}

/** Wraps `fn` so that, while counting is on, its calls and their time are added to section `name`. */
export function timedSection<A extends unknown[], R>(name: string, fn: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    if (!enabled) return fn(...args);
    const started = performance.now();
    try {
      return fn(...args);
    } finally {
      const time = sections.get(name) ?? { calls: 0, ms: 0 };
      time.calls++;
      time.ms += performance.now() - started;
      sections.set(name, time);
    }
  };
}

/** The sections counted since the last call, by name, and a fresh count from here on. */
export function takeSectionTimes(): Record<string, SectionTime> {
  const taken = Object.fromEntries(sections);
  sections = new Map();
  return taken;
}

/** Adds section times (from another worker, say) into `into`. */
export function addSectionTimes(into: Record<string, SectionTime>, from: Record<string, SectionTime>): void {
  for (const [name, time] of Object.entries(from)) {
    const total = into[name] ?? { calls: 0, ms: 0 };
    total.calls += time.calls;
    total.ms += time.ms;
    into[name] = total;
  }
}
