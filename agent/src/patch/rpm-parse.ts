/** `rpm -qa --qf '%{INSTALLTIME}\n'`: the newest install time (seconds) as ms. */
export function lastRpmInstall(text: string): number | undefined {
  let max = 0;
  for (const line of text.split('\n')) {
    const v = Number(line.trim());
    if (line.trim() !== '' && Number.isInteger(v) && v > max) max = v;
  }
  return max > 0 ? max * 1000 : undefined;
}

const NEVRA = /^[A-Za-z0-9_.+-]+-[^-\s]+-[^-\s]+\.(x86_64|noarch|i686|i586|aarch64|ppc64le|s390x|armv7hl|riscv64|src)$/;

/**
 * `dnf -q --cacheonly check-update`: one `name.arch  version  repo` line per
 * pending package. Sections after "Obsoleting Packages" repeat packages and are
 * not counted; wrapped long lines (name alone on a line) still count once.
 */
export function parseDnfCheckUpdate(text: string): number {
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    if (/^Obsoleting Packages/i.test(line)) break;
    if (/^(Last metadata expiration check|Security:|\s)/.test(line) || line.trim() === '') continue;
    const name = line.trim().split(/\s+/)[0] as string;
    if (/^[A-Za-z0-9_.+-]+\.(x86_64|noarch|i686|i586|aarch64|ppc64le|s390x|armv7hl|riscv64|src)$/.test(name)) seen.add(name);
  }
  return seen.size;
}

/**
 * `dnf updateinfo list --security` (dnf4: `ADVISORY  SEVERITY/Sec.  NEVRA`;
 * dnf5: a header then `ADVISORY  security  SEVERITY  NEVRA  ISSUED`): the number
 * of distinct packages with a pending security advisory.
 */
export function parseDnfSecurityList(text: string): number {
  const pkgs = new Set<string>();
  for (const line of text.split('\n')) {
    for (const field of line.trim().split(/\s+/)) {
      if (NEVRA.test(field)) pkgs.add(field);
    }
  }
  return pkgs.size;
}

/**
 * `dnf needs-restarting -r`. Read by its words, not its exit code: a missing
 * plugin also exits 1 ("No such command"), which must not read as "reboot".
 */
export function parseNeedsRestarting(text: string): boolean | undefined {
  if (/Reboot is required/i.test(text)) return true;
  if (/Reboot should not be necessary|No core libraries or services have been updated/i.test(text)) return false;
  return undefined;
}
