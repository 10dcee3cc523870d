/**
 * Jupyter messages on the wire (messaging protocol v5.3): a message is a multipart ZMQ message of routing
 * identities, the `<IDS|MSG>` delimiter, an HMAC-SHA256 signature, four JSON parts (header, parent header,
 * metadata, content) and optional binary buffers. The kernel drops requests whose signature is wrong, and the
 * client drops replies whose signature is wrong, so both directions are signed with the connection file's key.
 *
 * @module
 */

import type { JsonObject } from "./notebook.ts";

/** The delimiter between routing identities and a message's signed parts. */
const DELIMITER = "<IDS|MSG>";

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

/** A new request of type `msg_type` in `session` (no parent, fresh msg_id, protocol 5.3). */
export function newMessage(
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
