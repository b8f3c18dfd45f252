import { randomInt } from "node:crypto";
import { crc32 } from "node:zlib";

/**
 * Key format: `<prefix>_<40 base62 random chars><6 base62 chars of CRC32>`.
 *
 * 40 base62 characters carry 40·log2(62) ≈ 238 bits of randomness. The CRC32 covers
 * `<prefix>_<random>`, so a mistyped or truncated key is rejected without any lookup, and
 * `latchkey scan` can tell a real key from a look-alike.
 */
export const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const RANDOM_LENGTH = 40;
export const CHECKSUM_LENGTH = 6;
export const DEFAULT_KEY_PREFIX = "lk";

const PREFIX_PATTERN = /^[a-z][a-z0-9]{0,15}$/;
/** A whole key's shape, checked in one anchored pass (parseKey runs on every request). */
const WHOLE_KEY = /^[a-z][a-z0-9]{0,15}_[0-9A-Za-z]{46}$/;
/**
 * Anything shaped like a key of any prefix; the checksum decides whether it is one. Bounded by
 * non-alphanumerics rather than word boundaries, so `TOKEN_lk_…` and `lk_…_old` are found too.
 */
export const KEY_PATTERN =
  /(?<![A-Za-z0-9])([a-z][a-z0-9]{0,15})_([0-9A-Za-z]{46})(?![A-Za-z0-9])/g;

export function isValidPrefix(prefix: string): boolean {
  return PREFIX_PATTERN.test(prefix);
}

function toBase62(value: number, width: number): string {
  let out = "";
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = BASE62.charAt(rest % 62) + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

function checksum(body: string): string {
  return toBase62(crc32(body), CHECKSUM_LENGTH);
}

/** Whether a key's last characters are the checksum of the rest; compared digit by digit. */
function checksumMatches(candidate: string): boolean {
  const end = candidate.length - CHECKSUM_LENGTH;
  let rest = crc32(candidate.slice(0, end));
  for (let i = candidate.length - 1; i >= end; i--) {
    if (candidate.charCodeAt(i) !== BASE62.charCodeAt(rest % 62)) return false;
    rest = Math.floor(rest / 62);
  }
  return true;
}

/** Makes a new secret with the given prefix. */
export function generateKey(prefix: string = DEFAULT_KEY_PREFIX): string {
  if (!isValidPrefix(prefix)) throw new Error(`invalid key prefix: ${prefix}`);
  let random = "";
  for (let i = 0; i < RANDOM_LENGTH; i++) random += BASE62.charAt(randomInt(62));
  const body = `${prefix}_${random}`;
  return body + checksum(body);
}

export interface ParsedKey {
  prefix: string;
  /** The last four characters, shown to people so they can tell keys apart. */
  last4: string;
}

/**
 * Whether a candidate has a key's shape and a matching checksum: what a server checks before
 * looking a key up anywhere. `parseKey` without building the parts.
 */
export function isWellFormedKey(candidate: string): boolean {
  return WHOLE_KEY.test(candidate) && checksumMatches(candidate);
}

/** Returns the parts of a well-formed key, or null when the format or checksum is wrong. */
export function parseKey(candidate: string): ParsedKey | null {
  if (!isWellFormedKey(candidate)) return null;
  const prefix = candidate.slice(0, candidate.length - 1 - RANDOM_LENGTH - CHECKSUM_LENGTH);
  return { prefix, last4: candidate.slice(-4) };
}

/** `lk_Ab3d…x9Z1`: enough to recognise a key, never enough to use it. */
export function redactKey(key: string): string {
  const sep = key.lastIndexOf("_");
  const prefix = sep > 0 ? key.slice(0, sep + 1) : "";
  return `${prefix}…${key.slice(-4)}`;
}
