/** The byte-at-a-time lookup table of the reflected polynomial 0xEDB88320. */
const TABLE = Int32Array.from({ length: 256 }, (_, byte) => {
  let c = byte;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/**
 * CRC-32 (the IEEE polynomial, as zlib's `crc32`) of the first `end` characters of an ASCII
 * string, read as bytes. Every key checksum is over ASCII (the key's shape is matched first),
 * so no encoding is needed: for a 43-character body this takes a fraction of the native
 * call's time, which converts the string to bytes first, and it spares a program that only
 * checks keys (the CLI) loading zlib.
 */
export function crc32Ascii(text: string, end: number = text.length): number {
  let crc = 0xffffffff;
  for (let i = 0; i < end; i++) {
    crc = (crc >>> 8) ^ (TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
