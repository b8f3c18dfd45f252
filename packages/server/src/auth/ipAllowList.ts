import { BlockList, isIP } from "node:net";

/** `key_params.ip_whitelist`: single addresses and CIDR ranges, IPv4 and IPv6. */
export class IpAllowList {
  private readonly list = new BlockList();

  private constructor(readonly entries: readonly string[]) {}

  /** Parses entries; returns the first bad one as an error message. */
  static parse(entries: readonly string[]): IpAllowList | { error: string } {
    const allow = new IpAllowList(entries);
    for (const entry of entries) {
      const [address = "", bits, extra] = entry.split("/");
      const family = isIP(address);
      if (family === 0 || extra !== undefined)
        return { error: `'${entry}' is not an IP address or CIDR range` };
      const type = family === 4 ? "ipv4" : "ipv6";
      if (bits === undefined) {
        allow.list.addAddress(address, type);
        continue;
      }
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (family === 4 ? 32 : 128)) {
        return { error: `'${entry}' has an invalid prefix length` };
      }
      allow.list.addSubnet(address, prefix, type);
    }
    return allow;
  }

  allows(ip: string): boolean {
    // IPv4 clients on a dual-stack socket appear as ::ffff:a.b.c.d.
    const plain = ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const family = isIP(plain);
    if (family === 0) return false;
    return this.list.check(plain, family === 4 ? "ipv4" : "ipv6");
  }
}
