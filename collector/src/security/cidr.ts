import { BlockList, isIP } from 'node:net';

/** An IPv4 address written as IPv6 (`::ffff:10.0.0.5`, what dual-stack sockets report) becomes plain IPv4. */
export function normalizeAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? (m[1] as string) : address;
}

/** Parses `10.1.0.0/16`, `fd00::/8` or a bare address; undefined when malformed. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [addr, bits, ...rest] = text.trim().split('/');
  if (rest.length > 0 || !addr) return undefined;
  const address = normalizeAddress(addr);
  const v = isIP(address);
  if (v === 0) return undefined;
  const max = v === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/** True when `address` lies inside `cidr`. A malformed CIDR matches nothing (fail closed). */
export function addressInCidr(address: string, cidr: string): boolean {
  const net = parseCidr(cidr);
  const addr = normalizeAddress(address);
  const v = isIP(addr);
  if (!net || v === 0) return false;
  const list = new BlockList();
  list.addSubnet(net.address, net.prefix, net.family);
  return list.check(addr, v === 4 ? 'ipv4' : 'ipv6');
}
