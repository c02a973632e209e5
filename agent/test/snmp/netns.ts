import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/*
 * An IPv4 address that nothing answers, reachable only through a veth pair
 * into a network namespace we own: pings to it leave through that veth and die
 * there (no address on the far end, so ARP never resolves). Traffic never
 * reaches a real network. Needs root and iproute2; callers skip otherwise.
 * (127/8 will not do: Linux loopback answers every address in it.)
 */

export interface UnansweredAddress {
  readonly address: string;
  readonly hostInterface: string;
  cleanup(): void;
}

export function canCreateNetns(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('ip', ['-V'], { stdio: 'ignore' }).status === 0;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function createUnansweredAddress(): UnansweredAddress {
  const id = randomBytes(3).toString('hex');
  const ns = `hm-test-${id}`;
  const hostIf = `hm${id}h`;
  const nsIf = `hm${id}n`;
  // TEST-NET-2 (RFC 5737): never routed on the Internet. Pick a /30 nobody here uses.
  const used = ip(['-4', '-o', 'addr']);
  let base = -1;
  for (let tries = 0; tries < 64; tries++) {
    const b = (randomBytes(1)[0] as number) & 0xfc;
    if (!used.includes(`198.51.100.${b + 1}/`)) {
      base = b;
      break;
    }
  }
  if (base < 0) throw new Error('no free /30 in 198.51.100.0/24');
  const cleanup = (): void => {
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', hostIf], { stdio: 'ignore' });
  };
  try {
    ip(['netns', 'add', ns]);
    ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns]);
    ip(['addr', 'add', `198.51.100.${base + 1}/30`, 'dev', hostIf]);
    ip(['link', 'set', hostIf, 'up']);
    ip(['-n', ns, 'link', 'set', nsIf, 'up']);
  } catch (err) {
    cleanup();
    throw err;
  }
  const address = `198.51.100.${base + 2}`;
  // Belt and braces: the kernel must route the address into our veth and nowhere else.
  const route = ip(['route', 'get', address]);
  if (!route.includes(`dev ${hostIf}`)) {
    cleanup();
    throw new Error(`unexpected route for ${address}: ${route.trim()}`);
  }
  return { address, hostInterface: hostIf, cleanup };
}
