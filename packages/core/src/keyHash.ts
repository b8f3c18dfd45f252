import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Keys are stored only as HMAC-SHA256(pepper, secret). The pepper is a server secret kept out
 * of the database, so a stolen database alone cannot be used to test guesses. Peppers carry a
 * version so a new one can be introduced while keys hashed under an older one keep working.
 */
export interface Pepper {
  version: number;
  secret: Buffer;
}

export class PepperRing {
  readonly current: Pepper;
  private readonly byVersion: ReadonlyMap<number, Pepper>;

  /** The first pepper is the current one; the others are kept to verify older hashes. */
  constructor(peppers: readonly Pepper[]) {
    const [current] = peppers;
    if (!current) throw new Error("at least one pepper is required");
    this.current = current;
    this.byVersion = new Map(peppers.map((p) => [p.version, p]));
  }

  versions(): number[] {
    return [...this.byVersion.keys()];
  }

  /** HMAC-SHA256(pepper, UTF-8 of secret) as lowercase hex. */
  hash(secret: string, version: number = this.current.version): string {
    const pepper = this.byVersion.get(version);
    if (!pepper) throw new Error(`unknown pepper version ${version}`);
    // node:crypto's HMAC, not a faster hand-written one: a hand-rolled SHA-256 saved about a
    // microsecond per request in the benchmark, too little to carry our own crypto code.
    return createHmac("sha256", pepper.secret).update(secret, "utf8").digest("hex");
  }
}

/** Compares two hex digests without leaking where they differ. */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Parses a pepper specification: `v1:<hex>` entries separated by commas, newest first.
 * A bare hex string is version 1.
 */
export function parsePeppers(spec: string): Pepper[] {
  const entries = spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error("empty pepper");
  const seen = new Set<number>();
  return entries.map((entry) => {
    const match = /^(?:v(\d{1,6}):)?([0-9a-fA-F]+)$/.exec(entry);
    if (!match?.[2]) throw new Error("each pepper must be 'v<N>:<hex>' or plain hex");
    const version = match[1] ? Number(match[1]) : 1;
    if (seen.has(version)) throw new Error(`pepper version v${version} appears twice`);
    seen.add(version);
    if (match[2].length < 32 || match[2].length % 2 !== 0) {
      throw new Error("a pepper needs at least 16 bytes (32 hex digits)");
    }
    return { version, secret: Buffer.from(match[2], "hex") };
  });
}
