/**
 * CPU time of a browser's renderer processes (Linux /proc): what a page's
 * work costs whatever else the machine runs, unlike the wall clock. The
 * browser test times its workload both ways on a shared machine.
 *
 * @module
 */

/** USER_HZ: /proc counts CPU time in 1/100 s on Linux. */
const TICKS_PER_SECOND = 100;

/**
 * Milliseconds of CPU (user + system) used so far by the descendants of
 * `rootPid` whose command line includes `--type=renderer` (the page's process,
 * its workers are threads of it); undefined where /proc cannot be read.
 */
export async function rendererCpuMs(rootPid: number): Promise<number | undefined> {
  const parents = new Map<number, number>(), cpu = new Map<number, number>(), renderers = new Set<number>();
  try {
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      const pid = Number(entry.name);
      try {
        // Fields after the command name in parentheses: state, ppid, ..., utime (12th), stime (13th).
        const fields = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1].split(" ");
        parents.set(pid, Number(fields[1]));
        cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND);
        if ((await Deno.readTextFile(`/proc/${pid}/cmdline`)).includes("--type=renderer")) renderers.add(pid);
      } catch {
        // The process ended while being read.
      }
    }
  } catch {
    return undefined;
  }
  const descends = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === rootPid) return true;
    return false;
  };
  let total = 0;
  for (const pid of renderers) if (descends(pid)) total += cpu.get(pid)!;
  return total;
}
