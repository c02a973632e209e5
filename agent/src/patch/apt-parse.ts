export interface AptUpgrade {
  readonly name: string;
  readonly security: boolean;
}

/** `Inst pkg [old] (new Release, Release [arch])`: the old version is present only for upgrades. */
const INST = /^Inst (\S+) \[([^\]]*)\] \((\S+) (.*) \[[^\]]+\]\)/;

/**
 * A release as apt prints it (`Label:Version/Archive` or `Label:Archive`, see
 * pkgCache::VerIterator::RelStr) is a security pocket when its label is
 * Debian-Security or its archive/suite ends in -security (Ubuntu `jammy-security`,
 * Debian `bookworm-security`, Mint and others follow one or the other).
 */
export function isSecurityRelease(release: string): boolean {
  const r = release.trim();
  if (/^Debian-Security:/.test(r)) return true;
  return /[:/][^/:,\s]*-security$/.test(r);
}

/**
 * Parses `LC_ALL=C apt-get -s dist-upgrade`: every upgrade of an installed
 * package, security when any release offering the new version is a security
 * pocket. New packages pulled in as dependencies (no `[old]`) are not counted:
 * they are not "pending updates" of this machine.
 */
export function parseAptSimulation(text: string): AptUpgrade[] {
  const out: AptUpgrade[] = [];
  for (const line of text.split('\n')) {
    const m = INST.exec(line);
    if (!m) continue;
    const releases = (m[4] as string).split(', ');
    out.push({ name: m[1] as string, security: releases.some(isSecurityRelease) });
  }
  return out;
}
