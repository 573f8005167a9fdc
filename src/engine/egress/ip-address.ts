/**
 * IP addresses as bytes, CIDR blocks, and the classification the egress policy refuses by:
 * anything that is not a globally routed unicast address (loopback, private, link-local incl.
 * cloud metadata 169.254.169.254, unique-local IPv6, multicast, reserved, unspecified) is not
 * "public". IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged
 * by the IPv4 address they lead to, so `::ffff:127.0.0.1` is loopback.
 *
 * Hand-written on purpose: node:net's BlockList does not say *why* an address is refused, and
 * the embedded-IPv4 rules must be exactly these.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** An address as its bytes: 4 for IPv4, 16 for IPv6. */
export interface IpBytes {
  readonly version: 4 | 6;
  readonly bytes: Uint8Array;
}

/** Why an address is not public (or `public`). Shown in refusals, so an operator knows what to allow. */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'unique-local'
  | 'site-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking';

/**
 * Parses an IPv4 or IPv6 literal (brackets and an IPv6 zone `%eth0` are accepted and ignored).
 * @returns undefined for anything that is not an IP literal (a host name).
 */
export function parseIp(text: string): IpBytes | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIPv4(s)) return { version: 4, bytes: Uint8Array.from(s.split('.').map(Number)) };
  if (!isIPv6(s)) return undefined;
  return { version: 6, bytes: parseIpv6(s) };
}

/** node:net has checked the syntax; this only expands `::` and a dotted IPv4 tail. */
function parseIpv6(s: string): Uint8Array {
  let text = s.toLowerCase();
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    // The dotted tail stands for two 16-bit groups: keep the group count right for `::` expansion.
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (part: string | undefined) =>
    part
      ? part
          .split(':')
          .filter((g) => g !== '')
          .map((g) => parseInt(g, 16))
      : [];
  let words: number[];
  if (rest === undefined) {
    words = groups(head);
  } else {
    const left = groups(head);
    const right = groups(rest);
    words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  }
  if (tail.length === 2) words.splice(6, 2, tail[0]!, tail[1]!);
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

/** A CIDR block, e.g. `10.0.0.0/8` or `fd00::/8`; a bare address is a /32 or /128. */
export class Cidr {
  private constructor(
    readonly network: IpBytes,
    readonly prefix: number,
  ) {}

  /** @returns undefined when `text` is not an address or `address/prefix` with a prefix in range. */
  static parse(text: string): Cidr | undefined {
    const slash = text.indexOf('/');
    const ip = parseIp(slash >= 0 ? text.slice(0, slash) : text);
    if (!ip) return undefined;
    const max = ip.version === 4 ? 32 : 128;
    const prefixText = slash >= 0 ? text.slice(slash + 1) : String(max);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    const prefix = Number(prefixText);
    return prefix <= max ? new Cidr(ip, prefix) : undefined;
  }

  /** Whether `ip` lies in the block. An IPv4-mapped IPv6 address matches an IPv4 block. */
  contains(ip: IpBytes): boolean {
    const candidate = ip.version === this.network.version ? ip : this.network.version === 4 ? embeddedIpv4(ip) : undefined;
    return candidate !== undefined && prefixMatches(candidate.bytes, this.network.bytes, this.prefix);
  }

  toString(): string {
    return `${formatIp(this.network)}/${this.prefix}`;
  }
}

function prefixMatches(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = Math.floor(bits / 8);
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (a[whole]! & mask) === (b[whole]! & mask);
}

/** The IPv4 address an IPv6 address stands for: `::ffff:a.b.c.d`, `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`. */
export function embeddedIpv4(ip: IpBytes): IpBytes | undefined {
  if (ip.version === 4) return ip;
  const b = ip.bytes;
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return { version: 4, bytes: b.slice(12, 16) }; // mapped
  if (zeros(0, 12) && !zeros(12, 16) && !(zeros(12, 15) && b[15] === 1)) return { version: 4, bytes: b.slice(12, 16) }; // compatible (not ::, ::1)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return { version: 4, bytes: b.slice(12, 16) }; // NAT64
  if (b[0] === 0x20 && b[1] === 0x02) return { version: 4, bytes: b.slice(2, 6) }; // 6to4
  return undefined;
}

const block = (text: string) => Cidr.parse(text)!;

/** Non-public IPv4 space, most specific first (RFC 6890 and friends). */
const IPV4_CLASSES: [Cidr, AddressClass][] = [
  [block('255.255.255.255/32'), 'broadcast'],
  [block('0.0.0.0/8'), 'unspecified'],
  [block('10.0.0.0/8'), 'private'],
  [block('100.64.0.0/10'), 'shared'],
  [block('127.0.0.0/8'), 'loopback'],
  [block('169.254.0.0/16'), 'link-local'],
  [block('172.16.0.0/12'), 'private'],
  [block('192.0.0.0/24'), 'reserved'],
  [block('192.0.2.0/24'), 'documentation'],
  [block('192.88.99.0/24'), 'reserved'],
  [block('192.168.0.0/16'), 'private'],
  [block('198.18.0.0/15'), 'benchmarking'],
  [block('198.51.100.0/24'), 'documentation'],
  [block('203.0.113.0/24'), 'documentation'],
  [block('224.0.0.0/4'), 'multicast'],
  [block('240.0.0.0/4'), 'reserved'],
];

/** Non-public IPv6 space that carries no IPv4 address. Outside 2000::/3 everything is reserved. */
const IPV6_CLASSES: [Cidr, AddressClass][] = [
  [block('::/128'), 'unspecified'],
  [block('::1/128'), 'loopback'],
  [block('64:ff9b:1::/48'), 'private'],
  [block('100::/64'), 'reserved'],
  [block('2001::/23'), 'reserved'], // IETF protocol assignments, incl. Teredo 2001::/32
  [block('2001:db8::/32'), 'documentation'],
  [block('fc00::/7'), 'unique-local'],
  [block('fe80::/10'), 'link-local'],
  [block('fec0::/10'), 'site-local'],
  [block('ff00::/8'), 'multicast'],
];
const GLOBAL_UNICAST_V6 = block('2000::/3');

/**
 * What kind of address `address` is; `public` only for globally routed unicast.
 * @param address an IPv4 or IPv6 literal
 * @throws Error when `address` is not an IP literal
 */
export function classifyAddress(address: string | IpBytes): AddressClass {
  const ip = typeof address === 'string' ? parseIp(address) : address;
  if (!ip) throw new Error(`not an IP address: ${typeof address === 'string' ? address : JSON.stringify(address)}`);
  if (ip.version === 4) return IPV4_CLASSES.find(([cidr]) => cidr.contains(ip))?.[1] ?? 'public';
  const v6 = IPV6_CLASSES.find(([cidr]) => cidr.contains(ip));
  if (v6) return v6[1];
  const v4 = embeddedIpv4(ip);
  if (v4) return classifyAddress(v4);
  return GLOBAL_UNICAST_V6.contains(ip) ? 'public' : 'reserved';
}

/** The canonical text of an address (IPv6 without zero compression: unambiguous in logs). */
export function formatIp(ip: IpBytes): string {
  if (ip.version === 4) return Array.from(ip.bytes).join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((ip.bytes[i]! << 8) | ip.bytes[i + 1]!).toString(16));
  return words.join(':');
}
