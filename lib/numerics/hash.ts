/**
 * FNV-1a, the project's one hash: 64-bit to name run files by their
 * configuration, cached models and native builds; 32-bit to derive the
 * generator's streams from their keys (lib/numerics/rng.ts).
 *
 * @module
 */

/** 64-bit FNV-1a of the UTF-8 bytes of `text`, as 16 hex digits. */
export function fnv1a64(text: string): string {
  // Four 16-bit limbs: exact, and much faster than BigInt.
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (const byte of new TextEncoder().encode(text)) {
    h0 ^= byte;
    // Multiply by the FNV prime 2^40 + 0x1b3, limb by limb with carries.
    const t0 = h0 * 0x1b3, t1 = h1 * 0x1b3, t2 = h2 * 0x1b3 + (h0 << 8), t3 = h3 * 0x1b3 + (h1 << 8);
    const c1 = t1 + (t0 >>> 16), c2 = t2 + (c1 >>> 16);
    h3 = (t3 + (c2 >>> 16)) & 0xffff;
    h2 = c2 & 0xffff;
    h1 = c1 & 0xffff;
    h0 = t0 & 0xffff;
  }
  return [h3, h2, h1, h0].map((limb) => limb.toString(16).padStart(4, "0")).join("");
}

/** 32-bit FNV-1a of the UTF-8 bytes of `text`, continuing from `basis` (the offset basis is 0x811c9dc5). */
export function fnv1a32(text: string, basis: number): number {
  let hash = basis;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash >>> 0;
}

/**
 * 32-bit FNV-1a over 32-bit words instead of bytes (one multiply per word),
 * from the standard offset basis: a cheap fingerprint of numeric data (e.g.
 * the bytes of a Float64Array, to key a random stream by the data it serves).
 */
export function fnv1a32Words(words: Uint32Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) hash = Math.imul(hash ^ words[i], 0x01000193);
  return hash >>> 0;
}
