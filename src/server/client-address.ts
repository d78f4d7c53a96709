import { BlockList, isIP } from 'node:net';

/**
 * Who a request comes from, for limiting refused attempts per client: the TCP peer's address,
 * unless that peer is one of the proxies named in `trustProxy` (config key `trustProxy`: addresses
 * and CIDR ranges, e.g. `["10.0.0.0/8", "::1"]`). Then `X-Forwarded-For` is believed as far as
 * those proxies wrote it: the client is its right-most address that is not a trusted proxy
 * (entries to its left were written by the client itself and may be forged). Without
 * `trustProxy` the header is ignored: anyone can send it.
 */
export class ClientAddress {
  readonly #trusted = new BlockList();
  readonly #any: boolean;

  /** @throws Error when `trustProxy` is not a list, or names an entry that is not an IP address or a CIDR range. */
  constructor(trustProxy: readonly string[] = []) {
    if (!Array.isArray(trustProxy)) throw new Error('trustProxy must be a list of addresses or CIDR ranges');
    for (const entry of trustProxy as unknown[]) {
      if (typeof entry !== 'string') throw new Error(`trustProxy: ${JSON.stringify(entry)} is not an address`);
      const [address = '', bits, ...rest] = entry.trim().split('/');
      const family = isIP(address);
      const prefix = bits === undefined ? undefined : Number(bits);
      const max = family === 6 ? 128 : 32;
      if (
        family === 0 ||
        rest.length > 0 ||
        (prefix !== undefined && (!/^\d{1,3}$/.test(bits ?? '') || prefix > max))
      ) {
        throw new Error(`trustProxy: "${entry}" is not an IP address or a CIDR range (e.g. 10.0.0.0/8)`);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.#trusted.addAddress(address, type);
      else this.#trusted.addSubnet(address, prefix, type);
    }
    this.#any = trustProxy.length > 0;
  }

  /** The client of a request reached through `socket` with this `X-Forwarded-For` header (if any). */
  of(socket: string | undefined, forwardedFor: string | undefined): string {
    const peer = normalize(socket ?? '') || 'unknown';
    if (!this.#any || !forwardedFor || !this.#isTrusted(peer)) return peer;
    const hops = forwardedFor
      .split(',')
      .map((hop) => normalize(hop.trim()))
      .filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string;
      if (!this.#isTrusted(hop)) return hop.slice(0, 100);
    }
    // Every hop is a trusted proxy: the left-most is as close to the client as anyone says.
    return hops[0] ?? peer;
  }

  #isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.#trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** One address: without brackets or a port, IPv4-mapped IPv6 as plain IPv4, lower case. */
function normalize(raw: string): string {
  let address = raw.toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1]) address = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) address = address.slice(7);
  return address;
}
