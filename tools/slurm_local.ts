/**
 * A one-node SLURM cluster on localhost (Debian's slurm-wlm and munge), for
 * testing the README's job-array script on a real scheduler: munged,
 * slurmctld and slurmd started in the foreground under a scratch folder with
 * a generated slurm.conf, and stopped by process id (PID 1 is not systemd
 * here). Needs root and the Debian packages; {@linkcode slurmUnavailable}
 * says why a cluster cannot start.
 *
 * @module
 */

/** A started cluster. */
export interface LocalSlurm {
  /** The environment that points sbatch, squeue and sacct at this cluster (SLURM_CONF). */
  env: Record<string, string>;
  /** The node's name (the host name). */
  node: string;
  /** Stops every daemon it started, waiting for each to exit. */
  stop(): Promise<void>;
}

const BINARIES = [
  "/usr/sbin/slurmctld",
  "/usr/sbin/slurmd",
  "/usr/bin/sbatch",
  "/usr/sbin/munged",
  "/usr/sbin/mungekey",
];

/** Why a local cluster cannot start here (not root, a package missing), or undefined when it can. */
export function slurmUnavailable(): string | undefined {
  if (Deno.build.os !== "linux") return "SLURM runs on Linux only";
  if (Deno.uid() !== 0) return "starting slurmctld, slurmd and munged needs root";
  const missing = BINARIES.filter((path) => {
    try {
      return !Deno.statSync(path).isFile;
    } catch {
      return true;
    }
  });
  return missing.length > 0
    ? `${missing.join(", ")} missing: apt-get install -y --no-install-recommends slurm-wlm munge`
    : undefined;
}

/** The slurm.conf of a one-node cluster whose state, spool, pid and log files live in `dir`. */
export function slurmConf(dir: string, options: { node: string; cpus: number }): string {
  return [
    "ClusterName=collapse-test",
    `SlurmctldHost=${options.node}`,
    "SlurmUser=root",
    "SlurmdUser=root",
    "AuthType=auth/munge",
    "CredType=cred/munge",
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "JobAcctGatherType=jobacct_gather/none",
    "AccountingStorageType=accounting_storage/none",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_CPU",
    "MpiDefault=none",
    "ReturnToService=2",
    "MailProg=/bin/true",
    // The README's script asks for 8 CPUs per task; the node declares more than the machine has, which slurmd
    // accepts with config_overrides (jobs then share the real cores).
    "SlurmdParameters=config_overrides",
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`,
    `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/slurmctld.log`,
    `SlurmdLogFile=${dir}/slurmd.log`,
    `NodeName=${options.node} CPUs=${options.cpus} State=UNKNOWN`,
    "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
    "",
  ].join("\n");
}

/** Starts munged (if no munge daemon answers yet), slurmctld and slurmd; waits until the node is idle. */
export async function startLocalSlurm(dir: string, options: { cpus?: number } = {}): Promise<LocalSlurm> {
  const reason = slurmUnavailable();
  if (reason) throw new Error(`no local SLURM cluster: ${reason}`);
  const node = Deno.hostname();
  for (const sub of ["state", "spool"]) Deno.mkdirSync(`${dir}/${sub}`, { recursive: true });
  const conf = `${dir}/slurm.conf`;
  Deno.writeTextFileSync(conf, slurmConf(dir, { node, cpus: options.cpus ?? 16 }));
  const env = { SLURM_CONF: conf };
  const children: Deno.ChildProcess[] = [];
  const spawn = (command: string, args: string[]): void => {
    children.push(
      new Deno.Command(command, { args, env, stdout: "null", stderr: "null", stdin: "null" }).spawn(),
    );
  };
  try {
    if (!(await commandSucceeds("/usr/bin/munge", ["-n"]))) {
      await run("/usr/sbin/mungekey", ["--create", "--force", "--keyfile", "/etc/munge/munge.key"]);
      await run("/usr/bin/chown", ["munge:munge", "/etc/munge/munge.key"]);
      await run("/usr/bin/chmod", ["0600", "/etc/munge/munge.key"]);
      Deno.mkdirSync("/run/munge", { recursive: true });
      await run("/usr/bin/chown", ["munge:munge", "/run/munge"]);
      spawn("/usr/bin/setpriv", ["--reuid=munge", "--regid=munge", "--init-groups", "/usr/sbin/munged", "-F"]);
      await waitFor(() => commandSucceeds("/usr/bin/munge", ["-n"]), "munged");
    }
    spawn("/usr/sbin/slurmctld", ["-D", "-f", conf]);
    spawn("/usr/sbin/slurmd", ["-D", "-f", conf]);
    await waitFor(async () => /idle/.test(await output("/usr/bin/sinfo", ["-h", "-o", "%t"], env)), "an idle node");
  } catch (error) {
    await stopAll(children);
    throw error;
  }
  return { env, node, stop: () => stopAll(children) };
}

/** Submits a batch script from `cwd`; returns the job id. */
export async function sbatch(script: string, options: { cwd: string; env: Record<string, string> }): Promise<string> {
  const path = `${options.cwd}/job-${crypto.randomUUID().slice(0, 8)}.sh`;
  Deno.writeTextFileSync(path, script);
  const text = await output("/usr/bin/sbatch", ["--parsable", path], options.env, options.cwd);
  const id = text.trim().split(";")[0];
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id: ${text}`);
  return id;
}

/** Waits until the job (every task of an array) has left the queue, polling squeue; throws after `timeoutMs`. */
export async function waitForJob(
  id: string,
  options: { env: Record<string, string>; timeoutMs: number },
): Promise<void> {
  await waitFor(
    async () => (await output("/usr/bin/squeue", ["-h", "-j", id], options.env)).trim() === "",
    `job ${id} to finish`,
    options.timeoutMs,
  );
}

async function stopAll(children: Deno.ChildProcess[]): Promise<void> {
  for (const child of children.reverse()) {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    const exited = child.status.then(() => true);
    const late = await Promise.race([exited, new Promise<false>((r) => setTimeout(() => r(false), 5000))]);
    if (!late) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
    }
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function commandSucceeds(command: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    return false;
  }
}

async function run(command: string, args: string[]): Promise<void> {
  const result = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  if (!result.success) throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(result.stderr)}`);
}

async function output(command: string, args: string[], env: Record<string, string>, cwd?: string): Promise<string> {
  const result = await new Deno.Command(command, { args, env, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!result.success) {
    throw new Error(`${command} ${args.join(" ")} failed: ${new TextDecoder().decode(result.stderr)}`);
  }
  return new TextDecoder().decode(result.stdout);
}
