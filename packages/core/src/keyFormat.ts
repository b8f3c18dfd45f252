import { randomInt } from "node:crypto";
import { crc32Ascii } from "./crc32.js";

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

/** Session keys carry the key prefix followed by this letter (`lk` → `lks_…`). */
export const SESSION_PREFIX_SUFFIX = "s";

/** The prefix of session keys for a server whose keys carry `keyPrefix`. */
export function sessionPrefixOf(keyPrefix: string): string {
  return keyPrefix + SESSION_PREFIX_SUFFIX;
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
  return toBase62(crc32Ascii(body), CHECKSUM_LENGTH);
}

/**
 * Whether a key's last characters are the checksum of the rest; compared digit by digit. Only
 * for a candidate of a key's shape (ASCII), which every caller has matched first.
 */
function checksumMatches(candidate: string): boolean {
  const end = candidate.length - CHECKSUM_LENGTH;
  let rest = crc32Ascii(candidate, end);
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

/** `_` and a key's 46 random and checksum characters: where every key ends. */
const KEY_BODY = /_[0-9A-Za-z]{46}/g;
const MAX_PREFIX_LENGTH = 16;

/**
 * Where the well-formed keys of any prefix are in `text`, as [start, end) ranges, also when a
 * key is glued to other letters or digits (`xlk_…`, `lk_…0`): unlike KEY_PATTERN, which finds
 * keys standing on their own (what `latchkey scan` reports), this finds every copy of a
 * secret, for redaction. The checksum decides, so look-alikes are left alone.
 */
export function keyRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  for (const match of text.matchAll(KEY_BODY)) {
    const end = match.index + match[0].length;
    // The prefix is the shortest run of [a-z0-9] before `_`, starting with a letter, whose
    // checksum matches; a longer glued run ("xlk_…") is not part of the key.
    for (let start = match.index - 1; start >= match.index - MAX_PREFIX_LENGTH; start--) {
      const c = text.charCodeAt(start);
      const letter = c >= 97 && c <= 122;
      if (!letter && !(c >= 48 && c <= 57)) break;
      if (letter && checksumMatches(text.slice(start, end))) {
        ranges.push([start, end]);
        break;
      }
    }
  }
  return ranges;
}

/** `text` with every well-formed key in it (see keyRanges) replaced by its `prefix_…last4`. */
export function redactKeys(text: string): string {
  const ranges = keyRanges(text);
  if (ranges.length === 0) return text;
  let out = "";
  let at = 0;
  for (const [start, end] of ranges) {
    out += text.slice(at, start) + redactKey(text.slice(start, end));
    at = end;
  }
  return out + text.slice(at);
}
