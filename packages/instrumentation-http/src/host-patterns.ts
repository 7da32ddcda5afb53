import { describeError } from '@agentrace/core';
import { reporter } from './diagnostics.js';

/**
 * Which hosts (or, for callers, which peer addresses) an option applies to:
 * - `'*'`: every host;
 * - `'internal'`: loopback and private addresses (`127.0.0.0/8`, `10.0.0.0/8`, `172.16.0.0/12`,
 *   `192.168.0.0/16`, `169.254.0.0/16`, `::1`, `fc00::/7`, `fe80::/10`), and host names without a dot
 *   or ending in `.localhost`, `.local`, `.internal`, `.lan`, `.home.arpa`, `.svc` or `.cluster.local`;
 * - an address range in CIDR form (`10.0.0.0/8`, `fd00::/8`);
 * - `'*.example.com'`: any subdomain of example.com (not example.com itself);
 * - any other string: that host name or address exactly (case-insensitive);
 * - a RegExp: tested on the URL (outgoing) or the peer address (incoming).
 */
export type HostPattern = string | RegExp;

/** True when a request to `host` (name or address, no port, IPv6 without brackets) at `url` matches. */
export type HostMatcher = (host: string, url: string) => boolean;

export const MATCH_NONE: HostMatcher = () => false;
export const MATCH_ALL: HostMatcher = () => true;

const INTERNAL_SUFFIXES = ['.localhost', '.local', '.internal', '.lan', '.home.arpa', '.svc', '.cluster.local'];
const INTERNAL_V4: [number, number][] = [
  [0x7f000000, 8],
  [0x0a000000, 8],
  [0xac100000, 12],
  [0xc0a80000, 16],
  [0xa9fe0000, 16],
];
const INTERNAL_V6: [bigint, number][] = [
  [1n, 128],
  [0xfcn << 120n, 7],
  [0xfe8n << 116n, 10],
];

/** An IPv4 address as a 32-bit number, or undefined. */
function parseV4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** An IPv6 address as a 128-bit number (an embedded IPv4 tail allowed), or undefined. */
function parseV6(text: string): bigint | undefined {
  if (!text.includes(':')) return undefined;
  const zone = text.indexOf('%');
  let s = zone === -1 ? text : text.slice(0, zone);
  const lastColon = s.lastIndexOf(':');
  const maybeV4 = s.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    // An embedded IPv4 tail (`::ffff:10.0.0.1`) is the last two groups.
    const v4 = parseV4(maybeV4);
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const given = head.length + rest.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const groups = halves.length === 2 ? [...head, ...Array<string>(8 - given).fill('0'), ...rest] : head;
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

type Address = { v4: number } | { v6: bigint };

function parseAddress(host: string): Address | undefined {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const v4 = parseV4(h);
  if (v4 !== undefined) return { v4 };
  const v6 = parseV6(h);
  if (v6 === undefined) return undefined;
  // An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, as a dual-stack socket reports peers) is that IPv4 address.
  if (v6 >> 32n === 0xffffn) return { v4: Number(v6 & 0xffffffffn) };
  return { v6 };
}

function inV4(addr: number, base: number, bits: number): boolean {
  if (bits === 0) return true;
  const shift = 32 - bits;
  return addr >>> shift === base >>> shift;
}

function inV6(addr: bigint, base: bigint, bits: number): boolean {
  const shift = BigInt(128 - bits);
  return addr >> shift === base >> shift;
}

/** Whether `host` is loopback, private or an intranet name (see `'internal'` in `HostPattern`). */
export function isInternalHost(host: string): boolean {
  const addr = parseAddress(host);
  if (addr !== undefined) {
    if ('v4' in addr) return INTERNAL_V4.some(([base, bits]) => inV4(addr.v4, base, bits));
    return INTERNAL_V6.some(([base, bits]) => inV6(addr.v6, base, bits));
  }
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === '' || name === 'localhost' || !name.includes('.')) return name !== '';
  return INTERNAL_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

function cidrMatcher(pattern: string): HostMatcher | undefined {
  const slash = pattern.indexOf('/');
  if (slash === -1) return undefined;
  const base = parseAddress(pattern.slice(0, slash));
  const bitsText = pattern.slice(slash + 1);
  if (base === undefined || !/^\d{1,3}$/.test(bitsText)) return undefined;
  const bits = Number(bitsText);
  if ('v4' in base) {
    if (bits > 32) return undefined;
    return (host) => {
      const addr = parseAddress(host);
      return addr !== undefined && 'v4' in addr && inV4(addr.v4, base.v4, bits);
    };
  }
  if (bits > 128) return undefined;
  return (host) => {
    const addr = parseAddress(host);
    return addr !== undefined && 'v6' in addr && inV6(addr.v6, base.v6, bits);
  };
}

function stringMatcher(pattern: string): HostMatcher | undefined {
  const p = pattern.trim().toLowerCase();
  if (p === '') return undefined;
  if (p === '*') return MATCH_ALL;
  if (p === 'internal') return (host) => isInternalHost(host);
  if (p.includes('/')) return cidrMatcher(p);
  if (p.startsWith('*.')) {
    const suffix = p.slice(1);
    return (host) => host.toLowerCase().endsWith(suffix);
  }
  const exact = p.startsWith('[') && p.endsWith(']') ? p.slice(1, -1) : p;
  const addr = parseAddress(exact);
  if (addr !== undefined) {
    // Addresses compare by value: `::1` and `0:0:0:0:0:0:0:1`, `10.0.0.1` and `::ffff:10.0.0.1`.
    return (host) => {
      const other = parseAddress(host);
      if (other === undefined) return false;
      return 'v4' in addr ? 'v4' in other && other.v4 === addr.v4 : 'v6' in other && other.v6 === addr.v6;
    };
  }
  return (host) => host.toLowerCase() === exact;
}

/**
 * One matcher for a list of `HostPattern`s (see there), or `fallback` when the option is absent. A bad
 * entry is reported once, naming the option, and skipped; a list that is not an array is reported and
 * the fallback used.
 */
export function compileHostPatterns(patterns: unknown, option: string, fallback: HostMatcher): HostMatcher {
  if (patterns === undefined) return fallback;
  if (!Array.isArray(patterns)) {
    reporter.warnOnce(`option ${option}`, `option ${option} must be an array of host patterns (strings or RegExps), got ${describeError(patterns)}; using the default`);
    return fallback;
  }
  const matchers: HostMatcher[] = [];
  for (const pattern of patterns as unknown[]) {
    let matcher: HostMatcher | undefined;
    if (typeof pattern === 'string') matcher = stringMatcher(pattern);
    else if (pattern instanceof RegExp) {
      const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
      matcher = (_host, url) => re.test(url);
    }
    if (matcher === undefined) {
      reporter.warnOnce(`option ${option} entry`, `option ${option}: ${describeError(pattern)} is not a host pattern ('*', 'internal', a host, '*.domain', a CIDR range or a RegExp); skipped`);
      continue;
    }
    if (matcher === MATCH_ALL) return MATCH_ALL;
    matchers.push(matcher);
  }
  if (matchers.length === 0) return MATCH_NONE;
  if (matchers.length === 1) return matchers[0]!;
  return (host, url) => {
    for (const m of matchers) if (m(host, url)) return true;
    return false;
  };
}
