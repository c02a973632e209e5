import { type HostFs } from '../collectors/proc-source.js';

/**
 * True when a newer kernel is installed in /boot than the one running. Debian
 * has no /run/reboot-required by default, so this catches the commonest reason
 * to reboot. Containers and direct-boot VMs without /boot kernels report false.
 */
export async function kernelRebootPending(fs: HostFs, running: string): Promise<boolean> {
  let boot: string[];
  try {
    boot = await fs.readDir('boot');
  } catch {
    return false;
  }
  const installed = boot.filter((n) => n.startsWith('vmlinuz-')).map((n) => n.slice('vmlinuz-'.length));
  if (installed.length === 0 || !running) return false;
  const newest = newestKernel(installed);
  return newest !== undefined && compareKernel(newest, running) > 0;
}

export function compareKernel(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function newestKernel(releases: readonly string[]): string | undefined {
  return [...releases].sort(compareKernel).at(-1);
}
