import ipaddr from "ipaddr.js";

/** An allow-list entry as a block of addresses: `bits` leading bits of `base` are fixed. */
interface Block {
  width: 32 | 128;
  base: bigint;
  bits: number;
}

/**
 * Parses an entry `IpAllowList.parse` has accepted: an address or `address/prefix`; undefined
 * in the unlikely case that ipaddr.js reads an address node:net accepted differently.
 */
function blockOf(entry: string): Block | undefined {
  const [address = "", prefix] = entry.split("/");
  if (!ipaddr.isValid(address)) return undefined;
  const parsed = ipaddr.parse(address);
  const width = parsed.kind() === "ipv4" ? 32 : 128;
  let value = 0n;
  for (const byte of parsed.toByteArray()) value = (value << 8n) | BigInt(byte);
  const bits = prefix === undefined ? width : Number(prefix);
  const hostBits = BigInt(width - bits);
  return { width, base: (value >> hostBits) << hostBits, bits };
}

/** Does block `outer` hold every address of block `inner` (same family)? */
function holds(outer: Block, inner: Block): boolean {
  if (outer.bits > inner.bits) return false;
  const shift = BigInt(outer.width - outer.bits);
  return outer.base >> shift === inner.base >> shift;
}

/**
 * Is every address of `block` in one of `blocks`? Two CIDR blocks are either disjoint or one
 * holds the other, so a block no single entry holds is covered exactly when the entries
 * inside it cover both its halves.
 */
function covered(block: Block, blocks: readonly Block[]): boolean {
  if (blocks.some((b) => holds(b, block))) return true;
  const inside = blocks.filter((b) => holds(block, b));
  if (inside.length === 0 || block.bits === block.width) return false;
  const bits = block.bits + 1;
  const half = 1n << BigInt(block.width - bits);
  return (
    covered({ ...block, bits }, inside) &&
    covered({ ...block, bits, base: block.base | half }, inside)
  );
}

/**
 * The first entry of `inner` that admits an address `outer` does not, or undefined when
 * `inner` lies within `outer`. Both are lists `IpAllowList.parse` accepted. IPv4 and IPv6
 * entries are compared within their own family (an IPv4-mapped IPv6 entry is covered only by
 * IPv6 entries), which never judges a wider list to be within a narrower one.
 */
export function firstOutside(
  inner: readonly string[],
  outer: readonly string[],
): string | undefined {
  // An entry that cannot be read counts as admitting nothing on the outer side and everything
  // on the inner side: never a reason to accept.
  const blocks = outer.map(blockOf).filter((b) => b !== undefined);
  return inner.find((entry) => {
    const block = blockOf(entry);
    return (
      block === undefined ||
      !covered(
        block,
        blocks.filter((b) => b.width === block.width),
      )
    );
  });
}
