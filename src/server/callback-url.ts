import { type LookupAddress, type LookupAllOptions, lookup as lookupCallback } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { InvalidTaskError } from '../errors.ts';

/**
 * Loopback, private, link-local, carrier-grade NAT, unique-local, site-local, multicast, reserved
 * (240.0.0.0/4, broadcast included) and unspecified addresses, and the IPv6 ranges that carry or
 * tunnel to an IPv4 address (IPv4-compatible `::/96`, NAT64 `64:ff9b::/96` and `64:ff9b:1::/48`,
 * Teredo `2001::/32`, 6to4 `2002::/16`), which can reach IPv4 internals. IPv4-mapped
 * (`::ffff:0:0/96`) and IPv4-translated (`::ffff:0:0:0/96`) addresses are judged by the IPv4
 * address they carry (see {@link isPrivateAddress}).
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['2001::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** `address` as the URL standard spells it (`::127.0.0.1` → `::7f00:1`); a zoned address (`fe80::1%eth0`) as given. */
function canonicalIpv6(address: string): string {
  try {
    return new URL(`http://[${address}]`).hostname.slice(1, -1);
  } catch {
    return address;
  }
}

/** Whether an IP address is loopback or on a private network. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6) {
    // IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-translated (`::ffff:0:a.b.c.d`), in any spelling:
    // the IPv4 address they carry decides.
    const canonical = canonicalIpv6(address);
    const mapped = /^::ffff:(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(canonical);
    if (mapped) {
      const n = (Number.parseInt(mapped[1] as string, 16) << 16) | Number.parseInt(mapped[2] as string, 16);
      return PRIVATE.check([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'), 'ipv4');
    }
    return PRIVATE.check(canonical, 'ipv6');
  }
  return PRIVATE.check(address, 'ipv4');
}

const refuse = (message: string) => new InvalidTaskError('Invalid task', [{ path: 'callbackUrl', message }]);

/**
 * A task's `callbackUrl` must be `http:` or `https:` and, unless `allowPrivate`, must not point at
 * loopback or private addresses (by literal address or by what its host name resolves to now):
 * a caller may not make Heed post to the machine's or the network's internal services.
 * @throws InvalidTaskError (422)
 */
export async function checkCallbackUrl(value: string, allowPrivate: boolean): Promise<void> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse('must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('must be an http: or https: URL');
  if (url.username || url.password) throw refuse('must not carry credentials');
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) throw refuse('must not point at this machine');
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true, verbatim: true }).then(
        (found) => found.map((a) => a.address),
        () => [] as string[],
      );
  if (addresses.some(isPrivateAddress)) {
    throw refuse('must not point at a loopback or private address (allowPrivateCallbacks in the config allows it)');
  }
}

/** A refused connection: the callback's host is (now) loopback or private. */
export class PrivateAddressError extends Error {
  readonly code = 'PRIVATE_ADDRESS';
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a loopback or private address (allowPrivateCallbacks allows it)`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A DNS lookup for `http.request`'s `lookup` option that refuses loopback and private addresses.
 * The connection goes to exactly the address checked here, so a host name that resolved to a
 * public address when the task was created and to an internal one now (DNS rebinding) is refused
 * when the callback is delivered, with no window between the check and the connect.
 */
export function publicOnlyLookup(hostname: string, options: LookupAllOptions | object, callback: LookupCallback): void {
  const wantsAll = (options as { all?: boolean }).all === true;
  lookupCallback(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, wantsAll ? [] : '');
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused) return callback(new PrivateAddressError(hostname, refused.address), wantsAll ? [] : '');
    const first = addresses[0];
    if (wantsAll) return callback(null, addresses);
    return callback(null, first?.address ?? '', first?.family);
  });
}

/**
 * Checked again when a callback is delivered (its host may resolve elsewhere now): a literal
 * address must not be private; a host name is resolved by {@link publicOnlyLookup} on connect.
 * @throws PrivateAddressError
 */
export function checkLiteralCallbackHost(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isPrivateAddress(host)) throw new PrivateAddressError(host, host);
}
