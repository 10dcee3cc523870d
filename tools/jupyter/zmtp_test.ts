import assert from "node:assert/strict";
import { ZmtpSocket } from "./zmtp.ts";

const encoder = new TextEncoder();

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
