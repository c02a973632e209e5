import { isIP } from 'node:net';
import os from 'node:os';

export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

function v4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => (acc << 8) + Number(o), 0) >>> 0;
}

function inV4(ip: number, base: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ip & mask) === (v4ToInt(base) & mask);
}

function classifyV4(ip: string): AddressClass {
  const n = v4ToInt(ip);
  if (inV4(n, '0.0.0.0', 8)) return 'unspecified';
  if (inV4(n, '127.0.0.0', 8)) return 'loopback';
  if (inV4(n, '169.254.0.0', 16)) return 'link-local';
  if (inV4(n, '10.0.0.0', 8) || inV4(n, '172.16.0.0', 12) || inV4(n, '192.168.0.0', 16) || inV4(n, '100.64.0.0', 10)) return 'private';
  if (inV4(n, '224.0.0.0', 4)) return 'multicast';
  if (inV4(n, '240.0.0.0', 4)) return 'reserved';
  return 'public';
}

/** Expands an IPv6 text address to its 8 groups. */
function v6Groups(ip: string): number[] | undefined {
  let addr = ip.toLowerCase().replace(/%.*$/, '');
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4tail) {
    const n = v4ToInt(v4tail[1] as string);
    addr = addr.slice(0, -(v4tail[1] as string).length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const fill = tail !== undefined ? 8 - h.length - t.length : 0;
  const groups = [...h, ...Array(Math.max(0, fill)).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** Classifies an IP address (v4, v6, IPv4-mapped v6) for the SSRF guard. */
export function classifyAddress(ip: string): AddressClass {
  const family = isIP(ip);
  if (family === 4) return classifyV4(ip);
  if (family !== 6) return 'reserved';
  const g = v6Groups(ip);
  if (!g) return 'reserved';
  const [a = 0, , , , , f = 0, g6 = 0, g7 = 0] = g;
  if (g.every((x) => x === 0)) return 'unspecified';
  if (g.slice(0, 7).every((x) => x === 0) && g7 === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms inherit the IPv4 class.
  if (g.slice(0, 5).every((x) => x === 0) && (f === 0xffff || f === 0)) {
    return classifyV4(`${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`);
  }
  if ((a & 0xffc0) === 0xfe80) return 'link-local';
  if ((a & 0xfe00) === 0xfc00) return 'private';
  if ((a & 0xff00) === 0xff00) return 'multicast';
  return 'public';
}

function ownAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/**
 * Decides whether a notifier may connect to a resolved address. Checked at
 * connect time (the `lookup` hook), so DNS rebinding cannot swap the address
 * after the check. Link-local (cloud metadata) and unspecified are always
 * refused; loopback, private ranges and the collector's own addresses only
 * when the notifier sets allowPrivateNetwork.
 */
export function addressAllowed(ip: string, allowPrivateNetwork: boolean): { ok: true } | { ok: false; reason: string } {
  const cls = classifyAddress(ip);
  if (cls === 'public') {
    if (!allowPrivateNetwork && ownAddresses().has(ip)) return { ok: false, reason: `${ip} is this collector's own address` };
    return { ok: true };
  }
  if ((cls === 'private' || cls === 'loopback') && allowPrivateNetwork) return { ok: true };
  return { ok: false, reason: `${ip} is a ${cls} address${cls === 'private' || cls === 'loopback' ? ' (set allowPrivateNetwork: true on the notifier to allow it)' : ''}` };
}
