import assert from "node:assert/strict";
import { frame, ZmtpSocket } from "./zmtp.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The other side of one connection, as libzmq would speak it: byte-exact reads and writes. */
class Peer {
  #buffered = new Uint8Array(0);
  constructor(readonly conn: Deno.Conn) {}

  async read(n: number): Promise<Uint8Array> {
    while (this.#buffered.length < n) {
      const chunk = new Uint8Array(65536);
      const got = await this.conn.read(chunk);
      if (got === null) throw new Error("peer: connection closed");
      const joined = new Uint8Array(this.#buffered.length + got);
      joined.set(this.#buffered);
      joined.set(chunk.subarray(0, got), this.#buffered.length);
      this.#buffered = joined;
    }
    const out = this.#buffered.slice(0, n);
    this.#buffered = this.#buffered.slice(n);
    return out;
  }

  async readFrame(): Promise<{ flags: number; body: Uint8Array }> {
    const [flags] = await this.read(1);
    const size = flags & 2
      ? Number(new DataView((await this.read(8)).buffer).getBigUint64(0))
      : (await this.read(1))[0];
    return { flags, body: await this.read(size) };
  }

  async write(bytes: Uint8Array): Promise<void> {
    for (let done = 0; done < bytes.length;) done += await this.conn.write(bytes.subarray(done));
  }

  /** Greets as a ZMTP 3.0 NULL-security server and answers the client's READY with its own. */
  async handshake(socketType: string): Promise<string> {
    const greeting = new Uint8Array(64);
    greeting.set([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 0]);
    greeting.set(encoder.encode("NULL"), 12);
    greeting[32] = 1; // as-server
    await this.write(greeting);
    const theirs = await this.read(64);
    assert.equal(theirs[0], 0xff);
    assert.equal(theirs[10], 3);
    assert.equal(decoder.decode(theirs.subarray(12, 16)), "NULL");
    const ready = await this.readFrame();
    assert.equal(ready.flags, 4, "READY is a command frame");
    assert.equal(decoder.decode(ready.body.subarray(1, 6)), "READY");
    const body = ready.body, nameLength = body[6];
    assert.equal(decoder.decode(body.subarray(7, 7 + nameLength)), "Socket-Type");
    const valueLength = new DataView(body.buffer, body.byteOffset).getUint32(7 + nameLength);
    const clientType = decoder.decode(body.subarray(11 + nameLength, 11 + nameLength + valueLength));
    const name = encoder.encode("Socket-Type"), value = encoder.encode(socketType);
    const answer = new Uint8Array(6 + 1 + name.length + 4 + value.length);
    answer.set([5, ...encoder.encode("READY"), name.length, ...name]);
    new DataView(answer.buffer).setUint32(7 + name.length, value.length);
    answer.set(value, 11 + name.length);
    await this.write(frame(answer, 4));
    return clientType;
  }
}

/** Listens on a free port, connects a client socket of `type`, and hands both ends to `body`. */
async function withPair(
  type: "DEALER" | "SUB",
  body: (socket: ZmtpSocket, peer: Peer) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepted = listener.accept().then((conn) => new Peer(conn));
  const peerType = type === "SUB" ? "PUB" : "ROUTER";
  // A peer that finds the handshake wrong hangs up, so that connect() fails instead of waiting for its READY.
  const handshake = accepted.then((peer) =>
    peer.handshake(peerType).catch((error) => {
      peer.conn.close();
      throw error;
    })
  );
  const [socket, clientType] = await Promise.all([ZmtpSocket.connect(type, port, () => "no server"), handshake])
    .catch((error) => {
      listener.close();
      throw error;
    });
  const peer = await accepted;
  try {
    assert.equal(clientType, type);
    await body(socket, peer);
  } finally {
    socket.close();
    try {
      peer.conn.close();
    } catch { /* closed by the test */ }
    listener.close();
  }
}

Deno.test("zmtp: a DEALER handshakes and exchanges multipart messages, short and long frames", async () => {
  await withPair("DEALER", async (socket, peer) => {
    const long = new Uint8Array(300).map((_, i) => i % 251);
    await socket.send([encoder.encode("first"), long]);
    const a = await peer.readFrame(), b = await peer.readFrame();
    assert.equal(a.flags, 1, "first part: MORE");
    assert.equal(decoder.decode(a.body), "first");
    assert.equal(b.flags, 2, "last part: LONG, no MORE");
    assert.deepEqual(b.body, long);

    // A PING command between messages is skipped; parts arrive as one message.
    await peer.write(frame(encoder.encode("\x04PING\x00\x00"), 4));
    await peer.write(frame(encoder.encode("one"), 1));
    await peer.write(frame(long, 0));
    await peer.write(frame(encoder.encode("two"), 0));
    const messages = socket.messages();
    const next = async (): Promise<Uint8Array[]> => {
      const result = await messages.next();
      assert(!result.done, "a message");
      return result.value;
    };
    const first = await next(), second = await next();
    assert.deepEqual(first.map((p) => p.length), [3, 300]);
    assert.equal(decoder.decode(first[0]), "one");
    assert.deepEqual(first[1], long);
    assert.deepEqual(second.map((p) => decoder.decode(p)), ["two"]);

    // The peer going away is an error; after close() it is the end of the messages.
    socket.close();
    assert.deepEqual(await messages.next(), { done: true, value: undefined });
  });
});

Deno.test("zmtp: a SUB subscribes to every topic; a vanished peer ends messages() with an error", async () => {
  await withPair("SUB", async (socket, peer) => {
    const subscription = await peer.readFrame();
    assert.equal(subscription.flags, 0);
    assert.deepEqual(subscription.body, Uint8Array.of(1));
    peer.conn.close();
    await assert.rejects(() => socket.messages().next(), /connection closed/);
  });
});

Deno.test("zmtp: connect retries until the port is bound, then gives up with the caller's reason", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  let tries = 0;
  await assert.rejects(
    () => ZmtpSocket.connect("DEALER", port, () => ++tries < 3 ? undefined : "the kernel exited"),
    new RegExp(`cannot connect to port ${port}: the kernel exited`),
  );
  assert.equal(tries, 3);
});

Deno.test("zmtp: a peer that does not speak ZMTP 3 is refused", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const served = listener.accept().then(async (conn) => {
    await conn.write(encoder.encode("HTTP/1.1 400 Bad Request\r\n".padEnd(64, " ")));
    return conn;
  });
  try {
    await assert.rejects(() => ZmtpSocket.connect("DEALER", port, () => "no"), /does not speak ZMTP 3/);
  } finally {
    (await served).close();
    listener.close();
  }
});

/** Whether /usr/bin/python3 has pyzmq (Debian's python3-zmq): then the client is also tried against real libzmq. */
function hasPyzmq(): boolean {
  try {
    return new Deno.Command("/usr/bin/python3", { args: ["-c", "import zmq"], stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

const ROUTER_ECHO = `
import sys, zmq
router = zmq.Context().socket(zmq.ROUTER)
router.setsockopt(zmq.LINGER, 0)
print(router.bind_to_random_port("tcp://127.0.0.1"), flush=True)
if router.poll(5000):
    identity, *parts = router.recv_multipart()
    router.send_multipart([identity, b"echo", *parts])
`;

Deno.test({
  name: "zmtp: libzmq (through pyzmq) accepts the handshake and answers a DEALER",
  ignore: !hasPyzmq(),
  async fn() {
    const python = new Deno.Command("/usr/bin/python3", { args: ["-c", ROUTER_ECHO], stdout: "piped" }).spawn();
    const lines = python.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let socket: ZmtpSocket | undefined;
    try {
      let text = "";
      while (!text.includes("\n")) {
        const chunk = await lines.read();
        if (chunk.done) throw new Error("the libzmq router did not start");
        text += chunk.value;
      }
      socket = await ZmtpSocket.connect("DEALER", Number(text.trim()), () => "no router");
      await socket.send([encoder.encode("ping"), new Uint8Array(1000)]);
      // libzmq drops a peer whose READY is malformed: then this read fails with "connection closed".
      const reply = await socket.messages().next();
      assert(!reply.done);
      assert.deepEqual(reply.value.map((p) => p.length), [4, 4, 1000]);
      assert.equal(decoder.decode(reply.value[0]), "echo");
    } finally {
      socket?.close();
      await lines.cancel();
      await python.status;
    }
  },
});
