import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { decodeMessage, encodeMessage, type JupyterMessage, newMessage, signParts } from "./wire.ts";

const KEY = "a0436f6c-1916-498b-8eb9-e81ab9368e84";

function message(): JupyterMessage {
  const header = {
    msg_id: "m1",
    session: "s1",
    username: "test",
    date: "2024-01-01T00:00:00.000Z",
    msg_type: "execute_request",
    version: "5.3",
  };
  return {
    header,
    parent_header: {},
    metadata: {},
    content: { code: "1 + 1", silent: false },
    buffers: [],
  };
}

Deno.test("signatures match an independent HMAC-SHA256 and round-trip", async () => {
  const msg = message();
  const frames = await encodeMessage(msg, KEY);
  const text = frames.map((f) => new TextDecoder().decode(f));
  assert.equal(text[0], "<IDS|MSG>");
  const hmac = createHmac("sha256", KEY);
  for (const part of text.slice(2, 6)) hmac.update(part);
  assert.equal(text[1], hmac.digest("hex"));
  assert.equal(
    await signParts(KEY, ["a", "b"]),
    createHmac("sha256", KEY).update("ab").digest("hex"),
  );
  assert.equal(await signParts("", ["a"]), "");

  // With a routing identity / IOPub topic in front, as received from a socket.
  const decoded = await decodeMessage([
    new TextEncoder().encode("kernel.topic"),
    ...frames,
  ], KEY);
  assert.deepEqual(decoded, msg);
  await assert.rejects(
    () => decodeMessage(frames, "other key"),
    /invalid message signature/,
  );
  const tampered = [...frames];
  tampered[5] = new TextEncoder().encode('{"code":"2 + 2","silent":false}');
  await assert.rejects(
    () => decodeMessage(tampered, KEY),
    /invalid message signature/,
  );
});

Deno.test("binary buffers travel after the signed parts; short or undelimited messages are refused", async () => {
  const buffer = Uint8Array.of(0, 255, 7);
  const frames = await encodeMessage({ ...message(), buffers: [buffer] }, KEY);
  assert.equal(frames.length, 7);
  assert.deepEqual((await decodeMessage(frames, KEY)).buffers, [buffer]);
  await assert.rejects(() => decodeMessage(frames.slice(0, 5), KEY), /malformed Jupyter message/);
  await assert.rejects(() => decodeMessage(frames.slice(1), KEY), /malformed Jupyter message/);
});

Deno.test("new requests get a fresh msg_id in the session, protocol 5.3 and no parent", () => {
  const a = newMessage("kernel_info_request", "session-1", {});
  const b = newMessage("execute_request", "session-1", { code: "1" });
  assert.notEqual(a.header.msg_id, b.header.msg_id);
  assert.equal(b.header.session, "session-1");
  assert.equal(b.header.msg_type, "execute_request");
  assert.equal(b.header.version, "5.3");
  assert.deepEqual(b.parent_header, {});
  assert.deepEqual(b.content, { code: "1" });
  assert(!Number.isNaN(Date.parse(b.header.date)));
});
