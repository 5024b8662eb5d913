import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Where a webhook may be sent (SSRF). A receiver is an outside system: an
 * admin's URL must never make the server call itself, its network or the
 * cloud's metadata service. Checked when a subscription is saved and again at
 * every attempt (DNS answers change), and the connection is pinned to the
 * address checked, so a name that resolves elsewhere a moment later (DNS
 * rebinding) is never followed.
 */

export type TargetRefusal =
  | { code: 'WEBHOOK_HTTPS_REQUIRED'; url: string }
  | { code: 'WEBHOOK_HOST_UNRESOLVABLE'; url: string; host: string }
  | { code: 'WEBHOOK_URL_NOT_ALLOWED'; url: string; reason: string; address: string | null };

export type TargetCheck = { ok: true; address: string; family: 4 | 6 } | ({ ok: false } & TargetRefusal);

export interface TargetPolicy {
  /** Production: https only. */
  httpsOnly: boolean;
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: private and loopback addresses allowed (tests, on-premises receivers). */
  allowPrivate: boolean;
  /** DNS, for tests; `dns.lookup` (all addresses) by default. */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
}

const LOOKUP_TIMEOUT_MS = 5_000;

async function resolveAll(host: string): Promise<{ address: string; family: number }[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      dnsLookup(host, { all: true, verbatim: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('DNS lookup timed out')), LOOKUP_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** An IPv4 address as a 32-bit number, or null. */
function ipv4Number(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const v = Number(part);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n;
}

const V4_RANGES: [string, number, string][] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function v4Problem(n: number): string | null {
  if (n === 0xffffffff) return 'broadcast';
  for (const [base, bits, reason] of V4_RANGES) {
    const start = ipv4Number(base) as number;
    const size = 2 ** (32 - bits);
    if (n >= start && n < start + size) return reason;
  }
  return null;
}

/** An IPv6 address as 16 bytes (embedded dotted IPv4 accepted), or null. */
export function ipv6Bytes(address: string): number[] | null {
  let text = address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = ipv4Number(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [(v4 >>> 24) & 255, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255];
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const group = (part: string) => (part === '' ? [] : part.split(':'));
  const head = group(halves[0] ?? '');
  const rest = halves.length === 2 ? group(halves[1] ?? '') : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => '0'), ...rest];
  const bytes: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    const v = Number.parseInt(g, 16);
    bytes.push(v >> 8, v & 255);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes.length === 16 ? bytes : null;
}

const v4Of = (bytes: number[], at: number) =>
  (((bytes[at] as number) << 24) >>> 0) +
  ((bytes[at + 1] as number) << 16) +
  ((bytes[at + 2] as number) << 8) +
  (bytes[at + 3] as number);

function v6Problem(bytes: number[]): string | null {
  const zeroUpTo = (n: number) => bytes.slice(0, n).every((b) => b === 0);
  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && bytes[15] === 1) return 'loopback';
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible): the IPv4 address decides.
  if (zeroUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) return v4Problem(v4Of(bytes, 12));
  // ::ffff:0:a.b.c.d (IPv4-translated, SIIT): a translating gateway reaches the IPv4 address.
  if (zeroUpTo(8) && bytes[8] === 0xff && bytes[9] === 0xff && bytes[10] === 0 && bytes[11] === 0) {
    return v4Problem(v4Of(bytes, 12)) ?? 'reserved';
  }
  if (zeroUpTo(12)) return v4Problem(v4Of(bytes, 12)) ?? 'reserved';
  // 64:ff9b::/96, NAT64 of an IPv4 address; 64:ff9b:1::/48 local-use NAT64.
  const b = (i: number) => bytes[i] as number;
  if (b(0) === 0x00 && b(1) === 0x64 && b(2) === 0xff && b(3) === 0x9b) {
    if (bytes.slice(4, 12).every((x) => x === 0)) return v4Problem(v4Of(bytes, 12));
    if (b(4) === 0 && b(5) === 1) return 'nat64-local';
  }
  // 2002::/16 (6to4) embeds an IPv4 address in bytes 2–5.
  if (b(0) === 0x20 && b(1) === 0x02) {
    const inner = v4Problem(v4Of(bytes, 2));
    if (inner) return inner;
  }
  if (b(0) === 0x20 && b(1) === 0x01 && b(2) === 0x00 && b(3) === 0x00) return 'teredo';
  if (b(0) === 0x20 && b(1) === 0x01 && b(2) === 0x0d && b(3) === 0xb8) return 'documentation';
  if (b(0) === 0x01 && bytes.slice(1, 8).every((x) => x === 0)) return 'discard';
  if ((b(0) & 0xfe) === 0xfc) return 'unique-local';
  if (b(0) === 0xfe && (b(1) & 0xc0) === 0x80) return 'link-local';
  if (b(0) === 0xfe && (b(1) & 0xc0) === 0xc0) return 'site-local';
  if (b(0) === 0xff) return 'multicast';
  return null;
}

/** Why an address is not a public one (loopback, private, link-local, …), or null when it is. */
export function addressProblem(address: string): string | null {
  const family = isIP(address);
  if (family === 4) return v4Problem(ipv4Number(address) as number);
  if (family === 6) {
    const bytes = ipv6Bytes(address);
    return bytes ? v6Problem(bytes) : 'unparsable';
  }
  return 'unparsable';
}

/** Names that mean this machine whatever DNS says. */
function localName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || name === 'localhost.localdomain';
}

/**
 * Checks a receiver's URL: the scheme (https only in production), then every
 * address its host resolves to (all must be public unless allowed), and
 * answers the address to connect to.
 */
export async function checkTarget(rawUrl: string, policy: TargetPolicy): Promise<TargetCheck> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, code: 'WEBHOOK_URL_NOT_ALLOWED', url: rawUrl, reason: 'unparsable', address: null };
  }
  if (url.protocol !== 'https:' && (policy.httpsOnly || url.protocol !== 'http:')) {
    return { ok: false, code: 'WEBHOOK_HTTPS_REQUIRED', url: rawUrl };
  }
  // The WHATWG parser already turned 2130706433 or 0x7f.1 into 127.0.0.1, and IPv6 into its short hex form.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!policy.allowPrivate && localName(host)) {
    return { ok: false, code: 'WEBHOOK_URL_NOT_ALLOWED', url: rawUrl, reason: 'localhost', address: null };
  }
  let addresses: { address: string; family: number }[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await (policy.resolve ?? resolveAll)(host);
    } catch {
      addresses = [];
    }
    if (addresses.length === 0) return { ok: false, code: 'WEBHOOK_HOST_UNRESOLVABLE', url: rawUrl, host };
  }
  if (!policy.allowPrivate) {
    for (const { address } of addresses) {
      const reason = addressProblem(address);
      if (reason) return { ok: false, code: 'WEBHOOK_URL_NOT_ALLOWED', url: rawUrl, reason, address };
    }
  }
  const first = addresses[0] as { address: string; family: number };
  return { ok: true, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** The refusal's message, for the error and a failed attempt's lastError. */
export function refusalMessage(refusal: TargetRefusal): string {
  switch (refusal.code) {
    case 'WEBHOOK_HTTPS_REQUIRED':
      return 'Webhook URLs must use https';
    case 'WEBHOOK_HOST_UNRESOLVABLE':
      return `The webhook URL's host ${refusal.host} does not resolve`;
    case 'WEBHOOK_URL_NOT_ALLOWED':
      return `The webhook URL reaches a non-public address (${refusal.reason}${refusal.address ? `: ${refusal.address}` : ''})`;
  }
}
