import { createHash } from "node:crypto";

/**
 * HMAC-SHA256 (RFC 2104 over FIPS 180-4) in plain JavaScript, for the one place that needs it
 * per request: hashing a presented key to find it. node:crypto's createHmac gives the same
 * digest but allocates a native object per call, which costs more than the hashing itself and
 * loads the garbage collector; here the padded key blocks are hashed once, at construction,
 * and each call runs two compression rounds into preallocated arrays. The compression has no
 * data-dependent branches or table look-ups (only the hex encoding of the result uses a table,
 * as node:crypto's does), and hmacSha256.test.ts checks it against node:crypto on arbitrary
 * keys and messages.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
const BLOCK = 64;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** Messages up to this many ASCII characters are copied without an allocation. */
const SCRATCH = 256;

/** One SHA-256 compression of `data[offset…offset+64)` into `state`; `w` is scratch space. */
function compress(state: Int32Array, w: Int32Array, data: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    w[i] =
      ((data[j] ?? 0) << 24) |
      ((data[j + 1] ?? 0) << 16) |
      ((data[j + 2] ?? 0) << 8) |
      (data[j + 3] ?? 0);
  }
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15] ?? 0;
    const w2 = w[i - 2] ?? 0;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[i] = ((w[i - 16] ?? 0) + s0 + (w[i - 7] ?? 0) + s1) | 0;
  }
  let a = state[0] ?? 0;
  let b = state[1] ?? 0;
  let c = state[2] ?? 0;
  let d = state[3] ?? 0;
  let e = state[4] ?? 0;
  let f = state[5] ?? 0;
  let g = state[6] ?? 0;
  let h = state[7] ?? 0;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + (K[i] ?? 0) + (w[i] ?? 0)) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = ((state[0] ?? 0) + a) | 0;
  state[1] = ((state[1] ?? 0) + b) | 0;
  state[2] = ((state[2] ?? 0) + c) | 0;
  state[3] = ((state[3] ?? 0) + d) | 0;
  state[4] = ((state[4] ?? 0) + e) | 0;
  state[5] = ((state[5] ?? 0) + f) | 0;
  state[6] = ((state[6] ?? 0) + g) | 0;
  state[7] = ((state[7] ?? 0) + h) | 0;
}

export class HmacSha256 {
  /** The hash states after the key's inner and outer padded blocks. */
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly state = new Int32Array(8);
  private readonly w = new Int32Array(64);
  private readonly tail = new Uint8Array(2 * BLOCK);
  private readonly message = new Uint8Array(SCRATCH);
  private readonly digest = new Uint8Array(32);

  constructor(key: Uint8Array) {
    // Keys longer than a block are hashed first (RFC 2104).
    const k = key.length > BLOCK ? createHash("sha256").update(key).digest() : key;
    for (const [state, pad] of [
      [this.inner, 0x36],
      [this.outer, 0x5c],
    ] as const) {
      const block = new Uint8Array(BLOCK).fill(pad);
      for (let i = 0; i < k.length; i++) block[i] = (k[i] ?? 0) ^ pad;
      state.set(INITIAL);
      compress(state, this.w, block, 0);
    }
  }

  /** The HMAC of the UTF-8 bytes of `message`, as 64 lowercase hex digits. */
  hex(message: string): string {
    let bytes: Uint8Array = this.message;
    let length = message.length;
    let ascii = length <= SCRATCH;
    for (let i = 0; ascii && i < length; i++) {
      const code = message.charCodeAt(i);
      if (code > 0x7f) ascii = false;
      else bytes[i] = code;
    }
    if (!ascii) {
      bytes = Buffer.from(message, "utf8");
      length = bytes.length;
    }
    this.finish(this.inner, bytes, length);
    const digest = this.digest;
    for (let i = 0; i < 8; i++) {
      const v = this.state[i] ?? 0;
      digest[i * 4] = v >>> 24;
      digest[i * 4 + 1] = v >>> 16;
      digest[i * 4 + 2] = v >>> 8;
      digest[i * 4 + 3] = v;
    }
    this.finish(this.outer, digest, 32);
    let out = "";
    for (let i = 0; i < 8; i++) {
      const v = this.state[i] ?? 0;
      out +=
        (HEX[v >>> 24] ?? "") +
        (HEX[(v >>> 16) & 0xff] ?? "") +
        (HEX[(v >>> 8) & 0xff] ?? "") +
        (HEX[v & 0xff] ?? "");
    }
    return out;
  }

  /** Hashes `data[0…length)` on from `start` (one padded key block already in), into `state`. */
  private finish(start: Int32Array, data: Uint8Array, length: number): void {
    const state = this.state;
    state.set(start);
    let offset = 0;
    for (; length - offset >= BLOCK; offset += BLOCK) compress(state, this.w, data, offset);
    const tail = this.tail;
    tail.fill(0);
    const rest = length - offset;
    for (let i = 0; i < rest; i++) tail[i] = data[offset + i] ?? 0;
    tail[rest] = 0x80;
    const end = rest + 9 > BLOCK ? 2 * BLOCK : BLOCK;
    // Length in bits of everything hashed, the key block included, as a 64-bit big-endian number.
    const bits = (BLOCK + length) * 8;
    const high = Math.floor(bits / 2 ** 32);
    tail[end - 8] = high >>> 24;
    tail[end - 7] = high >>> 16;
    tail[end - 6] = high >>> 8;
    tail[end - 5] = high;
    tail[end - 4] = bits >>> 24;
    tail[end - 3] = bits >>> 16;
    tail[end - 2] = bits >>> 8;
    tail[end - 1] = bits;
    compress(state, this.w, tail, 0);
    if (end > BLOCK) compress(state, this.w, tail, BLOCK);
  }
}
