/**
 * Where a punch came from, as the location policy sees it: an address inside
 * an office range (CIDR, IPv4 or IPv6) and a point inside an office geofence.
 * Pure arithmetic; nothing is looked up.
 */

/** An address as bits and their count (32 or 128), or null when it is not an IP address. */
function parseAddress(text: string): { bits: bigint; width: 32 | 128; mapped: boolean } | null {
  const value = text.trim().toLowerCase();
  const v4 = parseV4(value);
  if (v4 !== null) return { bits: v4, width: 32, mapped: false };
  const v6 = parseV6(value);
  if (v6 === null) return null;
  // An IPv4 address as IPv6 (::ffff:a.b.c.d) is that IPv4 address.
  if (v6 >> 32n === 0xffffn) return { bits: v6 & 0xffffffffn, width: 32, mapped: true };
  return { bits: v6, width: 128, mapped: false };
}

function parseV4(value: string): bigint | null {
  const parts = value.split('.');
  if (parts.length !== 4) return null;
  let bits = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    bits = (bits << 8n) | BigInt(Number(part));
  }
  return bits;
}

function parseV6(value: string): bigint | null {
  if (!/^[0-9a-f:.]+$/.test(value) || value.split('::').length > 2) return null;
  const [head = '', tail] = value.split('::');
  /** The groups of one side; a dotted IPv4 address only as the address's very last piece. */
  const groupsOf = (part: string, endsAddress: boolean): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [index, piece] of pieces.entries()) {
      if (endsAddress && index === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseV4(piece);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(piece)) return null;
        out.push(Number.parseInt(piece, 16));
      }
    }
    return out;
  };
  const left = groupsOf(head, tail === undefined);
  const right = tail === undefined ? [] : groupsOf(tail, true);
  if (!left || !right) return null;
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...new Array<number>(tail === undefined ? 0 : missing).fill(0), ...right];
  return groups.reduce((bits, group) => (bits << 16n) | BigInt(group), 0n);
}

/** A CIDR range (`10.0.0.0/8`, `2001:db8::/32`; a bare address is a range of one), or null when malformed. */
export function parseCidr(text: string): { bits: bigint; width: 32 | 128; prefix: number } | null {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const parsed = parseAddress(address);
  if (!parsed) return null;
  // A mapped range is written with the IPv6 prefix (::ffff:10.0.0.0/104 is 10.0.0.0/8).
  const full = parsed.mapped ? 128 : parsed.width;
  const written = prefixText === undefined ? full : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (written < 0 || written > full) return null;
  if (parsed.mapped && written < 96) return null;
  return { bits: parsed.bits, width: parsed.width, prefix: parsed.mapped ? written - 96 : written };
}

export const isCidr = (text: string): boolean => parseCidr(text) !== null;

/** True when `ip` lies in one of the ranges (malformed ranges and addresses match nothing). */
export function ipInRanges(ip: string | null, ranges: readonly string[]): boolean {
  const address = ip ? parseAddress(ip) : null;
  if (!address) return false;
  return ranges.some((text) => {
    const range = parseCidr(text);
    if (!range || range.width !== address.width) return false;
    const shift = BigInt(range.width - range.prefix);
    return address.bits >> shift === range.bits >> shift;
  });
}

const EARTH_RADIUS_METERS = 6_371_008.8;

/** The great-circle distance between two points, in metres (haversine). */
export function distanceMeters(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = (deg: number) => (deg * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.min(1, Math.sqrt(h)));
}
