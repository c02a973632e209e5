/** `2026-05-20  16:49:20` or `2026-05-20 16:49:20`, written in the machine's local time. */
function localTime(date: string, time: string): number | undefined {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2}):(\d{2})$/.exec(time);
  if (!d || !t) return undefined;
  const ms = new Date(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]), Number(t[3])).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The end of the latest apt transaction in /var/log/apt/history.log that
 * installed or upgraded something (removals alone are not patching). Only the
 * dates are read: the log also names the admin who ran apt, which the agent
 * must never send.
 */
export function lastInstallFromHistory(text: string): number | undefined {
  let latest: number | undefined;
  let start: number | undefined;
  let installs = false;
  for (const line of text.split('\n')) {
    const startM = /^Start-Date: (\S+)\s+(\S+)/.exec(line);
    if (startM) {
      start = localTime(startM[1] as string, startM[2] as string);
      installs = false;
      continue;
    }
    if (/^(Install|Upgrade|Reinstall|Downgrade): /.test(line)) installs = true;
    const endM = /^End-Date: (\S+)\s+(\S+)/.exec(line);
    if (endM) {
      const end = localTime(endM[1] as string, endM[2] as string) ?? start;
      if (installs && end !== undefined && (latest === undefined || end > latest)) latest = end;
      start = undefined;
      installs = false;
    }
  }
  return latest;
}

/**
 * The latest `install` or `upgrade` action in /var/log/dpkg.log — catches
 * `dpkg -i` and unattended installs that bypass apt's history.
 */
export function lastInstallFromDpkgLog(text: string): number | undefined {
  let latest: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (install|upgrade) /.exec(line);
    if (!m) continue;
    const t = localTime(m[1] as string, m[2] as string);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  return latest;
}

/**
 * Rotated copies of a log, newest first: `x.log`, `x.log.1`, `x.log.2.gz`, …
 */
export function rotatedLogs(names: readonly string[], base: string): string[] {
  const rank = (n: string): number => {
    if (n === base) return 0;
    const m = new RegExp(`^${base.replace(/\./g, '\\.')}\\.(\\d+)(\\.gz)?$`).exec(n);
    return m ? Number(m[1]) : -1;
  };
  return names.filter((n) => rank(n) >= 0).sort((a, b) => rank(a) - rank(b));
}
