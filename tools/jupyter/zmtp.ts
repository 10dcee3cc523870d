/**
 * A minimal ZMTP 3.0 client socket (DEALER or SUB, NULL security) over TCP: enough to talk to one Jupyter kernel
 * on localhost.
 *
 * Why hand-written: npm:zeromq's native addon crashes under Deno 2.9.6 (SIGSEGV in its libuv poll and timer
 * callbacks after a socket is closed, with socket timeouts, and at `deno test` teardown). It took down about 1 in
 * 25 notebook runner invocations, and 7 to 10 of 10 runs of a two-socket test. This client is plain `Deno.connect`
 * and needs no native code; what it leaves out (CURVE security, reconnection, ROUTER/PUB sides, heartbeats) a
 * short-lived client of a local kernel does not need.
 *
 * The format is RFC 23 (https://rfc.zeromq.org/spec/23/): a 64-byte greeting, a READY command carrying the
 * socket type, then frames of flags (1 more, 2 long, 4 command), a 1- or 8-byte size and the body.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** One frame as read: its body and flags. */
interface Frame {
  body: Uint8Array;
  more: boolean;
  command: boolean;
}

/** A ZMTP 3.0 DEALER or SUB socket over one TCP connection. */
export class ZmtpSocket {
  #chunks: Uint8Array[] = [];
  #available = 0;
  #writing = Promise.resolve();
  /** True once {@linkcode ZmtpSocket.close} was called: a read that fails after it ends quietly. */
  closed = false;

  private constructor(readonly conn: Deno.TcpConn) {}

  /**
   * Connects to `127.0.0.1:port`, greets and handshakes; a SUB subscribes to everything. While the port is not yet
   * bound it retries every 50 ms until `giveUp` returns a reason, which the error then carries (the kernel may still
   * be starting, or may have died).
   */
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
      // READY: command-name size and name, then one property: name size (1 byte), name, value size (4), value.
      const ready = new Uint8Array(7 + name.length + 4 + value.length);
      ready.set([5, ...encoder.encode("READY"), name.length, ...name]);
      new DataView(ready.buffer).setUint32(7 + name.length, value.length);
      ready.set(value, 11 + name.length);
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
      let next: Frame;
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

  /** Closes the connection; idempotent. */
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

  async #readFrame(): Promise<Frame> {
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
export function frame(body: Uint8Array, flags: number): Uint8Array {
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
