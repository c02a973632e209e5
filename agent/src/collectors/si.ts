import type * as Si from 'systeminformation';

type SystemInformation = typeof Si;

let loaded: Promise<SystemInformation> | undefined;

/**
 * systeminformation, loaded on first use. Linux never calls this: reading /proc
 * and /sys is cheaper than the library's child processes, and not loading it
 * saves the agent several MB of resident memory.
 */
export function loadSystemInformation(): Promise<SystemInformation> {
  loaded ??= import('systeminformation').then((m) => ((m as unknown as { default?: SystemInformation }).default ?? m) as SystemInformation);
  return loaded;
}
