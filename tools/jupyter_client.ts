/**
 * A small headless Jupyter client for the Deno kernel: it starts `deno jupyter --kernel`, speaks the Jupyter
 * messaging protocol v5.3 over ZMTP 3 (a small TCP client, see {@linkcode ZmtpSocket}) and executes a notebook's code cells in order.
 *
 * Outputs are attributed to cells by `parent_header.msg_id`, never by timing: the Deno 2.9.6 kernel sometimes
 * publishes a cell's output after its `idle` status, so the client keeps listening until IOPub has been quiet for
 * a grace period after the last cell.
 *
 * @module
 */

import { dirname, resolve } from "node:path";

/** The delimiter between routing identities and a message's signed parts. */
const DELIMITER = "<IDS|MSG>";

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** The header of a Jupyter message. */
export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** A decoded Jupyter message. */
export interface JupyterMessage {
  header: MessageHeader;
  /** Empty object when the message has no parent. */
  parent_header: Partial<MessageHeader>;
  metadata: JsonObject;
  content: JsonObject;
  buffers: Uint8Array[];
}

/** One nbformat 4 output. */
export type Output =
  | { output_type: "stream"; name: string; text: string | string[] }
  | { output_type: "display_data"; data: JsonObject; metadata: JsonObject }
  | {
    output_type: "execute_result";
    execution_count: number | null;
    data: JsonObject;
    metadata: JsonObject;
  }
  | {
    output_type: "error";
    ename: string;
    evalue: string;
    traceback: string[];
  };

/** One nbformat 4 cell; unknown fields are kept. */
export interface Cell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  metadata: JsonObject;
  source: string | string[];
  outputs?: Output[];
  execution_count?: number | null;
  [key: string]: unknown;
}

/** An nbformat 4 notebook. */
export interface Notebook {
  cells: Cell[];
  metadata: JsonObject;
  nbformat: number;
  nbformat_minor: number;
}

/** A failing cell. */
export interface CellError {
  /** Index of the cell in `notebook.cells` (0-based). */
  cellIndex: number;
  /** Position among the non-empty code cells (1-based), as in "cell 3/7". */
  codeCellNumber: number;
  ename: string;
  evalue: string;
  traceback: string[];
}

/** What {@linkcode executeNotebook} returns. */
export interface ExecutedNotebook {
  /** The notebook with fresh outputs, execution counts, kernelspec and language_info. */
  notebook: Notebook;
  /** Failing cells: at most one unless `allowErrors`. */
  errors: CellError[];
  /** Number of code cells sent to the kernel. */
  executedCells: number;
  /** Number of non-empty code cells in the notebook. */
  codeCells: number;
  /** Diagnostics: outputs the kernel published after their cell's `idle` (all kept). */
  lateOutputs: number;
  /** Diagnostics: kernel replies that were held back and had to be nudged out. */
  nudges: number;
}

/** Progress events: a cell starts, a cell prints (stdout/stderr), or the kernel process itself prints. */
export type ProgressEvent =
  | {
    kind: "cell";
    cellIndex: number;
    codeCellNumber: number;
    codeCells: number;
    source: string;
  }
  | { kind: "stream"; cellIndex: number; name: string; text: string }
  | { kind: "kernel"; name: "stdout" | "stderr"; text: string };

/** Options of {@linkcode executeNotebook}. */
export interface ExecuteOptions {
  /** Extra environment variables for the kernel process (NO_COLOR=1 is always set). */
  env?: Record<string, string>;
  /** Kernel working directory; defaults to the notebook's folder. */
  cwd?: string;
  /** Keep executing after a failing cell. */
  allowErrors?: boolean;
  /** Per-cell timeout in milliseconds; default: none. A timeout stops the run. */
  cellTimeoutMs?: number;
  /** How long IOPub must be quiet after the last cell; default 500 ms. */
  graceMs?: number;
  /** Kernel start-up timeout in milliseconds; default 60 s. */
  startupTimeoutMs?: number;
  /** Called for every cell start and every piece of printed text. */
  onProgress?: (event: ProgressEvent) => void;
}

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

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Signs the four JSON parts of a message (header, parent header, metadata, content) with HMAC-SHA256 and
 * returns the hex digest; an empty key means no signing (empty signature).
 */
export async function signParts(
  key: string,
  parts: readonly string[],
): Promise<string> {
  if (key === "") return "";
  const hmac = { name: "HMAC", hash: "SHA-256" };
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    encoder.encode(key),
    hmac,
    false,
    ["sign"],
  );
  const digest = await crypto.subtle.sign(
    "HMAC",
    cryptoKey,
    encoder.encode(parts.join("")),
  );
  return Array.from(
    new Uint8Array(digest),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
}

/** Serializes a message into wire frames: delimiter, signature, the 4 JSON parts, buffers. */
export async function encodeMessage(
  message: JupyterMessage,
  key: string,
): Promise<Uint8Array[]> {
  const { header, parent_header, metadata, content } = message;
  const parts = [header, parent_header, metadata, content].map((part) => JSON.stringify(part));
  const frames: Uint8Array[] = [
    DELIMITER,
    await signParts(key, parts),
    ...parts,
  ].map((s) => encoder.encode(s));
  return [...frames, ...message.buffers];
}

/** Parses wire frames (routing identities or an IOPub topic first) and verifies the signature; throws if wrong. */
export async function decodeMessage(
  frames: readonly Uint8Array[],
  key: string,
): Promise<JupyterMessage> {
  const at = frames.findIndex((f) => decoder.decode(f) === DELIMITER);
  if (at < 0 || frames.length < at + 6) {
    throw new Error("malformed Jupyter message");
  }
  const parts = frames.slice(at + 2, at + 6).map((f) => decoder.decode(f));
  if (decoder.decode(frames[at + 1]) !== await signParts(key, parts)) {
    throw new Error("invalid message signature");
  }
  const [header, parent_header, metadata, content] = parts.map((p) => JSON.parse(p));
  return {
    header,
    parent_header,
    metadata,
    content,
    buffers: frames.slice(at + 6).map((f) => new Uint8Array(f)),
  };
}

/** Splits text into lines that keep their endings, like Python's `str.splitlines(True)`. */
export function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

/** Drops what a terminal would overwrite (text before a `\r`), like nbconvert's coalesce_streams. */
function collapseCarriageReturns(text: string): string {
  return text.replace(/\r+\n/g, "\n").replace(/[^\n]*\r(?=[^\n])/g, "");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const object = value as JsonObject;
  return Object.fromEntries(
    Object.keys(object).sort().map((k) => [k, sortKeys(object[k])]),
  );
}

/** Mime types that nbformat stores as lists of lines, besides `text/*`. */
const SPLIT_MIMES = new Set(["application/javascript", "image/svg+xml"]);

/**
 * Serializes a notebook as Jupyter saves it: sorted keys, 1-space indent, multi-line strings (sources, stream
 * text, text mime data) as lists of lines, and a final newline.
 */
export function serializeNotebook(notebook: Notebook): string {
  const lines = (v: string | string[]): string[] => typeof v === "string" ? splitLines(v) : v;
  const split = (bundle: JsonObject): JsonObject =>
    Object.fromEntries(
      Object.entries(bundle).map(([mime, v]) => [
        mime,
        typeof v === "string" &&
          (mime.startsWith("text/") || SPLIT_MIMES.has(mime))
          ? splitLines(v)
          : v,
      ]),
    );
  const cells = notebook.cells.map((cell) => {
    if (cell.cell_type !== "code") {
      return { ...cell, source: lines(cell.source) };
    }
    const outputs = (cell.outputs ?? []).map((o): Output =>
      o.output_type === "stream"
        ? { ...o, text: lines(o.text) }
        : o.output_type === "error"
        ? o
        : { ...o, data: split(o.data) }
    );
    return { ...cell, source: lines(cell.source), outputs };
  });
  return JSON.stringify(sortKeys({ ...notebook, cells }), null, 1) + "\n";
}

/** Reads an nbformat 4 notebook; throws if it is not one. */
export async function readNotebook(path: string): Promise<Notebook> {
  const notebook = JSON.parse(await Deno.readTextFile(path)) as Notebook;
  if (notebook.nbformat !== 4 || !Array.isArray(notebook.cells)) {
    throw new Error(`${path}: not an nbformat 4 notebook`);
  }
  return notebook;
}

function sourceText(cell: Cell): string {
  return typeof cell.source === "string" ? cell.source : cell.source.join("");
}

function newMessage(
  msg_type: string,
  session: string,
  content: JsonObject,
): JupyterMessage {
  const date = new Date().toISOString();
  const header = {
    msg_id: crypto.randomUUID(),
    session,
    username: "render_all",
    date,
    msg_type,
    version: "5.3",
  };
  return { header, parent_header: {}, metadata: {}, content, buffers: [] };
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

/** Outputs and state of one request, found by its msg_id. */
interface Run {
  cellIndex: number;
  outputs: Output[];
  clearOnNextOutput: boolean;
  idle: boolean;
}

function newRun(cellIndex = -1): Run {
  return { cellIndex, outputs: [], clearOnNextOutput: false, idle: false };
}

/**
 * A minimal ZMTP 3.0 client socket (DEALER or SUB, NULL security) over TCP: enough to talk to one Jupyter kernel.
 *
 * It replaces npm:zeromq, whose native addon crashes under Deno 2.9.6 (SIGSEGV in its libuv poll and timer
 * callbacks after a socket is closed, with socket timeouts, and at `deno test` teardown; seen in about 1 of 25
 * runner invocations).
 */
class ZmtpSocket {
  #chunks: Uint8Array[] = [];
  #available = 0;
  #writing = Promise.resolve();
  closed = false;

  private constructor(readonly conn: Deno.TcpConn) {}

  /** Connects (retrying while the port is not yet bound), greets and handshakes; a SUB subscribes to everything. */
  static async connect(
    type: "DEALER" | "SUB",
    port: number,
    giveUp: () => string | undefined,
  ): Promise<ZmtpSocket> {
    let conn: Deno.TcpConn | undefined;
    while (conn === undefined) {
      try {
        conn = await Deno.connect({ hostname: "127.0.0.1", port });
      } catch (error) {
        const reason = giveUp();
        if (reason !== undefined) {
          throw new Error(
            `cannot connect to port ${port}: ${reason} (${error})`,
          );
        }
        await delay(50);
      }
    }
    conn.setNoDelay(true);
    const socket = new ZmtpSocket(conn);
    try {
      const greeting = new Uint8Array(64);
      greeting.set([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0]);
      greeting.set(encoder.encode("NULL"), 12);
      await socket.#write(greeting);
      const peer = await socket.#read(64);
      if (peer[0] !== 0xff || peer[9] !== 0x7f || peer[10] < 3) {
        throw new Error("the peer does not speak ZMTP 3");
      }
      const name = encoder.encode("Socket-Type"), value = encoder.encode(type);
      const ready = new Uint8Array(6 + name.length + 4 + value.length);
      ready.set([5, ...encoder.encode("READY"), name.length, ...name]);
      new DataView(ready.buffer).setUint32(6 + name.length, value.length);
      ready.set(value, 10 + name.length);
      await socket.#write(frame(ready, 4));
      const answer = await socket.#readFrame();
      const command = decoder.decode(
        answer.body.subarray(1, 1 + answer.body[0]),
      );
      if (!answer.command || command !== "READY") {
        throw new Error(`ZMTP handshake failed: ${command}`);
      }
      if (type === "SUB") await socket.send([Uint8Array.of(1)]);
    } catch (error) {
      socket.close();
      throw error;
    }
    return socket;
  }

  /** Sends one multipart message; sends are queued in order. */
  send(parts: readonly Uint8Array[]): Promise<void> {
    const bytes = concat(
      parts.map((part, i) => frame(part, i < parts.length - 1 ? 1 : 0)),
    );
    const sent = this.#writing.then(() => this.#write(bytes));
    this.#writing = sent.catch(() => {});
    return sent;
  }

  /** Yields multipart messages until the connection closes. */
  async *messages(): AsyncGenerator<Uint8Array[]> {
    let parts: Uint8Array[] = [];
    while (true) {
      let next: { body: Uint8Array; more: boolean; command: boolean };
      try {
        next = await this.#readFrame();
      } catch (error) {
        if (this.closed) return;
        throw error;
      }
      if (next.command) continue; // e.g. PING: nothing to do for a short-lived client
      parts.push(next.body);
      if (!next.more) {
        yield parts;
        parts = [];
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }

  async #write(bytes: Uint8Array): Promise<void> {
    for (let done = 0; done < bytes.length;) {
      done += await this.conn.write(bytes.subarray(done));
    }
  }

  async #read(n: number): Promise<Uint8Array> {
    while (this.#available < n) {
      const buffer = new Uint8Array(Math.max(65536, n - this.#available));
      const got = await this.conn.read(buffer);
      if (got === null) throw new Error("connection closed");
      this.#chunks.push(buffer.subarray(0, got));
      this.#available += got;
    }
    const out = new Uint8Array(n);
    for (let done = 0; done < n;) {
      const chunk = this.#chunks[0], take = Math.min(chunk.length, n - done);
      out.set(chunk.subarray(0, take), done);
      done += take;
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
    this.#available -= n;
    return out;
  }

  async #readFrame(): Promise<
    { body: Uint8Array; more: boolean; command: boolean }
  > {
    const [flags] = await this.#read(1);
    const size = flags & 2
      ? Number(new DataView((await this.#read(8)).buffer).getBigUint64(0))
      : (await this.#read(1))[0];
    return {
      body: await this.#read(size),
      more: (flags & 1) !== 0,
      command: (flags & 4) !== 0,
    };
  }
}

/** One ZMTP frame: flags (1 more, 2 long, 4 command), size, body. */
function frame(body: Uint8Array, flags: number): Uint8Array {
  const long = body.length > 255;
  const head = new Uint8Array(long ? 9 : 2);
  head[0] = flags | (long ? 2 : 0);
  if (long) new DataView(head.buffer).setBigUint64(1, BigInt(body.length));
  else head[1] = body.length;
  return concat([head, body]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
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

/**
 * A running Deno kernel and the client's connections (shell and control as DEALERs, IOPub as a SUB).
 *
 * Deno 2.9.6 quirks shape it: outputs may follow `idle`, so they are filed by parent msg_id and IOPub is drained at
 * the end; with npm:zeromq the kernel held the first shell reply back until the next request arrived (not seen with
 * ZmtpSocket), so as a safeguard a request whose `idle` came without its reply is nudged with a
 * kernel_info_request; the heartbeat channel answered pings unreliably (2 of 10), so it is not used and liveness
 * comes from the child process.
 */
class Kernel {
  #pending = new Map<string, (message: JupyterMessage) => void>();
  #runs = new Map<string, Run>();
  #displays = new Map<string, Output[]>();
  #stderrTail = "";
  #closing = false;
  #lastIopubAt = Date.now();
  readonly session = crypto.randomUUID();
  languageInfo: JsonObject = {};
  lateOutputs = 0;
  nudges = 0;
  #shell?: ZmtpSocket;
  #control?: ZmtpSocket;
  #iopub?: ZmtpSocket;

  private constructor(
    readonly key: string,
    readonly process: Deno.ChildProcess,
    readonly dir: string,
    readonly onProgress?: (event: ProgressEvent) => void,
  ) {}

  /** Starts a kernel and waits until its shell and IOPub channels both work. */
  static async start(cwd: string, options: ExecuteOptions): Promise<Kernel> {
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
    const dir = await Deno.makeTempDir({ prefix: "jupyter_client_" });
    await Deno.writeTextFile(`${dir}/kernel.json`, JSON.stringify(info));
    const process = new Deno.Command(Deno.execPath(), {
      args: ["jupyter", "--kernel", "--conn", `${dir}/kernel.json`],
      cwd,
      env: { NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    liveKernels.add(process);
    const kernel = new Kernel(info.key, process, dir, options.onProgress);
    kernel.#echo(process.stdout, "stdout");
    kernel.#echo(process.stderr, "stderr");
    let exited: string | undefined;
    process.status.then((s) => exited = `the kernel exited (code ${s.code})`);
    const deadline = Date.now() + (options.startupTimeoutMs ?? 60_000);
    const giveUp = (): string | undefined => exited ?? (Date.now() > deadline ? "start-up timeout" : undefined);
    try {
      kernel.#shell = await ZmtpSocket.connect("DEALER", shell_port, giveUp);
      kernel.#control = await ZmtpSocket.connect(
        "DEALER",
        control_port,
        giveUp,
      );
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
      this.onProgress?.({ kind: "kernel", name, text });
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
            `jupyter_client: dropped a message: ${(error as Error).message}`,
          );
        }
      }
    } catch (error) {
      if (!this.#closing) {
        console.error(
          `jupyter_client: connection failed: ${(error as Error).message}`,
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
    const run = this.#runs.get(message.parent_header.msg_id ?? "");
    const type = message.header.msg_type, c = message.content;
    const displayId = (c.transient as JsonObject | undefined)?.display_id as
      | string
      | undefined;
    if (type === "update_display_data") {
      for (const output of this.#displays.get(displayId ?? "") ?? []) {
        Object.assign(output, {
          data: c.data ?? {},
          metadata: c.metadata ?? {},
        });
      }
    } else if (run === undefined) {
      return;
    } else if (type === "status") {
      if (c.execution_state === "idle") run.idle = true;
    } else if (type === "clear_output") {
      if (c.wait) run.clearOnNextOutput = true;
      else run.outputs.length = 0;
    } else if (type === "stream") {
      const name = String(c.name), text = String(c.text);
      this.onProgress?.({
        kind: "stream",
        cellIndex: run.cellIndex,
        name,
        text,
      });
      const last = run.outputs.at(-1);
      if (
        !run.clearOnNextOutput && last?.output_type === "stream" &&
        last.name === name
      ) {
        if (run.idle) this.lateOutputs++;
        last.text += text;
      } else this.#add(run, { output_type: "stream", name, text });
    } else if (type === "display_data" || type === "execute_result") {
      const bundle = {
        data: (c.data ?? {}) as JsonObject,
        metadata: (c.metadata ?? {}) as JsonObject,
      };
      const execution_count = (c.execution_count ?? null) as number | null;
      const output: Output = type === "display_data"
        ? { output_type: type, ...bundle }
        : { output_type: type, execution_count, ...bundle };
      this.#add(run, output);
      if (displayId !== undefined) {
        this.#displays.set(displayId, [
          ...this.#displays.get(displayId) ?? [],
          output,
        ]);
      }
    } else if (type === "error") {
      const { ename, evalue, traceback } = c as Omit<
        CellError,
        "cellIndex" | "codeCellNumber"
      >;
      this.#add(run, { output_type: "error", ename, evalue, traceback });
    }
  }

  #add(run: Run, output: Output): void {
    if (run.idle) this.lateOutputs++;
    if (run.clearOnNextOutput) run.outputs.length = 0;
    run.clearOnNextOutput = false;
    run.outputs.push(output);
  }

  async #send(
    socket: ZmtpSocket | undefined,
    message: JupyterMessage,
  ): Promise<void> {
    if (socket === undefined) throw new Error("not connected");
    await socket.send(await encodeMessage(message, this.key));
  }

  /**
   * Sends a request and resolves with its reply, collecting its IOPub outputs into `run`. Rejects on timeout or
   * when the kernel exits; nudges a reply the kernel holds back after `idle`.
   */
  async request(
    channel: "shell" | "control",
    message: JupyterMessage,
    options: { run?: Run; timeoutMs?: number } = {},
  ): Promise<JupyterMessage> {
    const id = message.header.msg_id, run = options.run ?? newRun();
    this.#runs.set(id, run);
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
        idleFor = run.idle ? idleFor + 100 : 0;
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
      const run = newRun();
      try {
        const message = newMessage("kernel_info_request", this.session, {});
        const timeoutMs = Math.max(1, Math.min(1000, deadline - Date.now()));
        const reply = await this.request("shell", message, { run, timeoutMs });
        this.languageInfo = (reply.content.language_info ?? {}) as JsonObject;
        for (let i = 0; i < 20 && !run.idle; i++) await delay(50);
        if (run.idle) return;
      } catch (error) {
        if (
          Date.now() >= deadline ||
          (error as Error).message.startsWith("the kernel exited")
        ) throw error;
      }
    }
  }

  /** Executes one cell's code, collecting its outputs into `run`; resolves with the execute_reply. */
  execute(code: string, run: Run, timeoutMs?: number): Promise<JupyterMessage> {
    const content = {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
    };
    const message = newMessage("execute_request", this.session, {
      ...content,
      stop_on_error: true,
    });
    return this.request("shell", message, { run, timeoutMs });
  }

  /**
   * Flushes what the kernel may hold back (one kernel_info round trip), then waits until IOPub has been quiet for
   * `graceMs` (10 s at most): outputs published after `idle` still reach their cell.
   */
  async drain(graceMs: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    const message = newMessage("kernel_info_request", this.session, {});
    await this.request("shell", message, { timeoutMs: 5000 }).catch(() => {});
    while (Date.now() < deadline && Date.now() - this.#lastIopubAt < graceMs) {
      await delay(25);
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

/**
 * Executes a notebook's code cells in order through a fresh Deno kernel (working directory: the notebook's
 * folder) and returns the notebook with fresh outputs; the file itself is not written (see
 * {@linkcode serializeNotebook}). Stops at the first failing cell unless `options.allowErrors`. Empty code cells
 * are not sent and lose their outputs.
 *
 * @example
 * ```ts
 * const run = await executeNotebook("notebooks/01.ipynb", { env: { COLLAPSE_PRESET: "smoke" } });
 * if (run.errors.length === 0) await Deno.writeTextFile("out.ipynb", serializeNotebook(run.notebook));
 * ```
 */
export async function executeNotebook(
  path: string,
  options: ExecuteOptions = {},
): Promise<ExecutedNotebook> {
  const notebook = await readNotebook(path);
  const code = notebook.cells
    .map((cell, index) => ({ cell, index }))
    .filter(({ cell }) => cell.cell_type === "code");
  for (const { cell } of code) {
    if (sourceText(cell).trim() === "") {
      Object.assign(cell, { outputs: [], execution_count: null });
    }
  }
  const runnable = code.filter(({ cell }) => sourceText(cell).trim() !== "");
  const kernel = await Kernel.start(
    options.cwd ?? dirname(resolve(path)),
    options,
  );
  const errors: CellError[] = [];
  const runs: { cell: Cell; run: Run }[] = [];
  try {
    for (const [i, { cell, index }] of runnable.entries()) {
      const source = sourceText(cell);
      const where = { cellIndex: index, codeCellNumber: i + 1 };
      options.onProgress?.({
        kind: "cell",
        ...where,
        codeCells: runnable.length,
        source,
      });
      const run = newRun(index);
      runs.push({ cell, run });
      let reply: JupyterMessage;
      try {
        reply = await kernel.execute(source, run, options.cellTimeoutMs);
      } catch (error) {
        errors.push({
          ...where,
          ename: "RunnerError",
          evalue: (error as Error).message,
          traceback: [],
        });
        break;
      }
      const c = reply.content as
        & { status?: string; execution_count?: number }
        & Partial<CellError>;
      cell.execution_count = c.execution_count ?? null;
      if (c.status !== "ok") {
        const shown = run.outputs.find((o) => o.output_type === "error");
        const fallback = shown?.output_type === "error" ? shown : undefined;
        errors.push({
          ...where,
          ename: c.ename ?? fallback?.ename ?? "Error",
          evalue: c.evalue ?? fallback?.evalue ?? String(c.status),
          traceback: c.traceback ?? fallback?.traceback ?? [],
        });
        if (!options.allowErrors) break;
      }
    }
    if (errors.at(-1)?.ename !== "RunnerError") {
      await kernel.drain(options.graceMs ?? 500);
    }
  } finally {
    await kernel.shutdown();
  }
  for (const { cell, run } of runs) {
    cell.outputs = run.outputs.map((o) =>
      o.output_type === "stream" ? { ...o, text: collapseCarriageReturns(String(o.text)) } : o
    );
  }
  notebook.metadata = {
    ...notebook.metadata,
    kernelspec: DENO_KERNELSPEC,
    language_info: kernel.languageInfo,
  };
  const { lateOutputs, nudges } = kernel;
  return {
    notebook,
    errors,
    executedCells: runs.length,
    codeCells: runnable.length,
    lateOutputs,
    nudges,
  };
}
