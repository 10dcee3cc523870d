import assert from "node:assert/strict";
import { fnv1a32, fnv1a32Words, fnv1a64 } from "./hash.ts";

function fnv1a64Reference(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

Deno.test("64-bit FNV-1a: published test vectors and an independent BigInt implementation", () => {
  assert.equal(fnv1a64(""), "cbf29ce484222325"); // the offset basis
  assert.equal(fnv1a64("a"), "af63dc4c8601ec8c");
  assert.equal(fnv1a64("foobar"), "85944171f73967e8");
  for (const text of ["ü", "a much longer text with spaces, digits 0123 and é", JSON.stringify({ dim: 3 })]) {
    assert.equal(fnv1a64(text), fnv1a64Reference(text));
  }
});

Deno.test("32-bit FNV-1a: published test vectors, and the basis continues a hash", () => {
  assert.equal(fnv1a32("", 0x811c9dc5), 0x811c9dc5);
  assert.equal(fnv1a32("a", 0x811c9dc5), 0xe40c292c);
  assert.equal(fnv1a32("foobar", 0x811c9dc5), 0xbf9cf968);
  assert.equal(fnv1a32("bar", fnv1a32("foo", 0x811c9dc5)), fnv1a32("foobar", 0x811c9dc5));
});

Deno.test("32-bit FNV-1a over words: one step per word, by hand; the order and every bit matter", () => {
  assert.equal(fnv1a32Words(new Uint32Array(0)), 0x811c9dc5);
  // One word: (basis ^ w) * prime mod 2^32, computed with BigInt.
  const w = 0xdeadbeef;
  const expected = Number(((BigInt(0x811c9dc5 ^ w) & 0xffffffffn) * 0x01000193n) & 0xffffffffn);
  assert.equal(fnv1a32Words(Uint32Array.of(w)), expected);
  assert.notEqual(fnv1a32Words(Uint32Array.of(1, 2)), fnv1a32Words(Uint32Array.of(2, 1)));
  assert.notEqual(fnv1a32Words(Uint32Array.of(1, 2)), fnv1a32Words(Uint32Array.of(1, 3)));
});
