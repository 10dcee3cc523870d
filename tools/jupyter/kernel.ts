/**
 * A running Deno kernel (`deno jupyter --kernel`) and the client's connections to it: the connection file, the
 * child process, shell and control as DEALERs and IOPub as a SUB ({@linkcode ZmtpSocket}), requests matched to
 * their replies by msg_id, and shutdown.
 *
 * Deno 2.9.6 quirks shape it:
 * - outputs may follow `idle`, so IOPub messages are handed on as they come (see `execute.ts`, which files them
 *   by parent msg_id) and {@linkcode Kernel.drain} waits for IOPub to go quiet at the end;
 * - with npm:zeromq the kernel held the first shell reply back until the next request arrived (not seen with
 *   ZmtpSocket), so as a safeguard a request whose `idle` came without its reply is nudged with a
 *   kernel_info_request;
 * - the heartbeat channel answered pings unreliably (2 of 10), so it is not used and liveness comes from the
 *   child process.
 *
 * The kernelspec is not looked up: the kernel is always the running Deno binary ({@linkcode Deno.execPath}),
 * which is what {@linkcode DENO_KERNELSPEC} names in the notebook's metadata.
 *
 * @module
 */

import type { JsonObject } from "./notebook.ts";
import { decodeMessage, encodeMessage, type JupyterMessage, newMessage } from "./wire.ts";
import { ZmtpSocket } from "./zmtp.ts";

/** Connection details, as written to the kernel's connection file. */
export interface ConnectionInfo {
  ip: string;
  transport: "tcp";
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

/** The kernelspec metadata of the Deno kernel, as `deno jupyter` writes it into notebooks. */
export const DENO_KERNELSPEC = {
  display_name: "Deno",
  language: "typescript",
  name: "deno",
};

/** Options of {@linkcode Kernel.start}. */
export interface KernelOptions {
  /** The kernel's working directory. */
  cwd: string;
  /** Extra environment variables for the kernel process (NO_COLOR=1 is always set). */
  env?: Record<string, string>;
  /** Start-up timeout in milliseconds; default 60 s. */
  startupTimeoutMs?: number;
  /** Called with every IOPub message, in the order the kernel published them. */
  onIopub?: (message: JupyterMessage) => void;
  /** Called with what the kernel process prints outside the protocol (its banner, workers' output). */
  onOutput?: (name: "stdout" | "stderr", text: string) => void;
}

function freePorts(count: number): number[] {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => (l.addr as Deno.NetAddr).port);
  listeners.forEach((l) => l.close());
  return ports;
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Kernel processes started and not yet shut down, for {@linkcode killKernels}. */
const liveKernels = new Set<Deno.ChildProcess>();

/** Kills every kernel process this module started and has not shut down yet (e.g. on Ctrl-C). */
export function killKernels(): void {
  for (const process of liveKernels) {
    try {
      process.kill("SIGKILL");
    } catch { /* already gone */ }
  }
  liveKernels.clear();
}

/** A running Deno kernel and the client's connections to it. */
export class Kernel {
  #pending = new Map<string, (message: JupyterMessage) => void>();
  /** msg_ids of the requests whose `idle` status IOPub has shown. */
  #idle = new Set<string>();
  #stderrTail = "";
  #closing = false;
  #lastIopubAt = Date.now();
  /** The client's session id, for the headers of new requests. */
  readonly session = crypto.randomUUID();
  /** The kernel's `language_info`, from its kernel_info_reply. */
  languageInfo: JsonObject = {};
  /** Diagnostics: kernel replies that were held back and had to be nudged out. */
  nudges = 0;
  #shell?: ZmtpSocket;
  #control?: ZmtpSocket;
  #iopub?: ZmtpSocket;

  private constructor(
    readonly key: string,
    readonly process: Deno.ChildProcess,
    readonly dir: string,
    readonly options: KernelOptions,
  ) {
    liveKernels.add(process);
    process.status.then(() => liveKernels.delete(process));
  }

  /** Starts a kernel and waits until its shell and IOPub channels both work. */
  static async start(options: KernelOptions): Promise<Kernel> {
    const [shell_port, iopub_port, stdin_port, control_port, hb_port] = freePorts(5);
    const ports = { shell_port, iopub_port, stdin_port, control_port, hb_port };
    const info: ConnectionInfo = {
      ip: "127.0.0.1",
      transport: "tcp",
      ...ports,
      key: crypto.randomUUID(),
      signature_scheme: "hmac-sha256",
      kernel_name: "deno",
    };
    const dir = await Deno.makeTempDir({ prefix: "jupyter_kernel_" });
    await Deno.writeTextFile(`${dir}/kernel.json`, JSON.stringify(info));
    const process = new Deno.Command(Deno.execPath(), {
      args: ["jupyter", "--kernel", "--conn", `${dir}/kernel.json`],
      cwd: options.cwd,
      env: { NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const kernel = new Kernel(info.key, process, dir, options);
    kernel.#echo(process.stdout, "stdout");
    kernel.#echo(process.stderr, "stderr");
    let exited: string | undefined;
    process.status.then((s) => exited = `the kernel exited (code ${s.code})`);
    const deadline = Date.now() + (options.startupTimeoutMs ?? 60_000);
    const giveUp = (): string | undefined => exited ?? (Date.now() > deadline ? "start-up timeout" : undefined);
    try {
      kernel.#shell = await ZmtpSocket.connect("DEALER", shell_port, giveUp);
      kernel.#control = await ZmtpSocket.connect("DEALER", control_port, giveUp);
      kernel.#iopub = await ZmtpSocket.connect("SUB", iopub_port, giveUp);
      kernel.#listen(kernel.#shell, (m) => kernel.#reply(m));
      kernel.#listen(kernel.#control, (m) => kernel.#reply(m));
      kernel.#listen(kernel.#iopub, (m) => kernel.#publish(m));
      await kernel.#waitForReady(deadline);
    } catch (error) {
      await kernel.shutdown();
      throw new Error(
        `kernel did not start: ${(error as Error).message}\n${kernel.#stderrTail}`,
      );
    }
    return kernel;
  }

  /** Passes on what the kernel process prints outside any cell (e.g. workers); keeps a tail of stderr. */
  async #echo(
    stream: ReadableStream<Uint8Array>,
    name: "stdout" | "stderr",
  ): Promise<void> {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      if (name === "stderr") {
        this.#stderrTail = (this.#stderrTail + text).slice(-4000);
      }
      this.options.onOutput?.(name, text);
    }
  }

  async #listen(
    socket: ZmtpSocket,
    handle: (m: JupyterMessage) => void,
  ): Promise<void> {
    try {
      for await (const frames of socket.messages()) {
        try {
          handle(await decodeMessage(frames, this.key));
        } catch (error) {
          console.error(
            `jupyter: dropped a message: ${(error as Error).message}`,
          );
        }
      }
    } catch (error) {
      if (!this.#closing) {
        console.error(
          `jupyter: connection failed: ${(error as Error).message}`,
        );
      }
    }
  }

  #reply(message: JupyterMessage): void {
    const id = message.parent_header.msg_id ?? "";
    this.#pending.get(id)?.(message);
    this.#pending.delete(id);
  }

  #publish(message: JupyterMessage): void {
    this.#lastIopubAt = Date.now();
    if (message.header.msg_type === "status" && message.content.execution_state === "idle") {
      this.#idle.add(message.parent_header.msg_id ?? "");
    }
    this.options.onIopub?.(message);
  }

  async #send(
    socket: ZmtpSocket | undefined,
    message: JupyterMessage,
  ): Promise<void> {
    if (socket === undefined) throw new Error("not connected");
    await socket.send(await encodeMessage(message, this.key));
  }

  /**
   * Sends a request and resolves with its reply; its IOPub messages go to `onIopub` meanwhile. Rejects on timeout
   * or when the kernel exits; nudges a reply the kernel holds back after `idle`.
   */
  async request(
    channel: "shell" | "control",
    message: JupyterMessage,
    options: { timeoutMs?: number } = {},
  ): Promise<JupyterMessage> {
    const id = message.header.msg_id;
    const reply = new Promise<JupyterMessage>((done) => this.#pending.set(id, done));
    let timer: ReturnType<typeof setTimeout> | undefined,
      nudger: ReturnType<typeof setInterval> | undefined;
    try {
      await this.#send(
        channel === "shell" ? this.#shell : this.#control,
        message,
      );
      const failure = new Promise<never>((_, fail) => {
        this.process.status.then((s) =>
          fail(
            new Error(
              `the kernel exited (code ${s.code})\n${this.#stderrTail}`,
            ),
          )
        );
        const ms = options.timeoutMs;
        if (ms !== undefined) {
          timer = setTimeout(
            () => fail(new Error(`no ${channel} reply within ${ms} ms`)),
            ms,
          );
        }
      });
      let idleFor = 0;
      nudger = setInterval(() => {
        idleFor = this.#idle.has(id) ? idleFor + 100 : 0;
        if (channel === "shell" && idleFor % 1000 === 300) {
          this.nudges++;
          this.#send(
            this.#shell,
            newMessage("kernel_info_request", this.session, {}),
          ).catch(() => {});
        }
      }, 100);
      return await Promise.race([reply, failure]);
    } finally {
      clearTimeout(timer);
      clearInterval(nudger);
      this.#pending.delete(id);
    }
  }

  /** Sends kernel_info_requests until one gets its reply and its `idle` on IOPub (IOPub subscribes lazily). */
  async #waitForReady(deadline: number): Promise<void> {
    while (true) {
      try {
        const message = newMessage("kernel_info_request", this.session, {});
        const id = message.header.msg_id;
        const timeoutMs = Math.max(1, Math.min(1000, deadline - Date.now()));
        const reply = await this.request("shell", message, { timeoutMs });
        this.languageInfo = (reply.content.language_info ?? {}) as JsonObject;
        for (let i = 0; i < 20 && !this.#idle.has(id); i++) await delay(50);
        if (this.#idle.has(id)) return;
      } catch (error) {
        if (
          Date.now() >= deadline ||
          (error as Error).message.startsWith("the kernel exited")
        ) throw error;
      }
    }
  }

  /**
   * Flushes what the kernel may hold back (one kernel_info round trip), then waits until IOPub has been quiet for
   * `graceMs` (10 s at most): outputs published after `idle` still reach their cell.
   */
  async drain(graceMs: number): Promise<void> {
    const message = newMessage("kernel_info_request", this.session, {});
    await this.request("shell", message, { timeoutMs: 5000 }).catch(() => {});
    await this.quiet(graceMs);
  }

  /** Waits until IOPub has been quiet for `graceMs` (10 s at most), sending nothing. */
  async quiet(graceMs: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && Date.now() - this.#lastIopubAt < graceMs) {
      await delay(Math.min(25, graceMs));
    }
  }

  /** Asks the kernel to shut down (shutdown_request on control), kills it after 5 s, closes the connections. */
  async shutdown(): Promise<void> {
    this.#closing = true;
    if (this.#control !== undefined) {
      const message = newMessage("shutdown_request", this.session, {
        restart: false,
      });
      await this.request("control", message, { timeoutMs: 5000 }).catch(
        () => {},
      );
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.process.status.then(() => true),
      new Promise<boolean>((done) => timer = setTimeout(() => done(false), 5000)),
    ]);
    clearTimeout(timer);
    if (!exited) {
      try {
        this.process.kill("SIGKILL");
      } catch { /* already gone */ }
      await this.process.status;
    }
    for (const socket of [this.#shell, this.#control, this.#iopub]) {
      socket?.close();
    }
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
