/**
 * Values of one key from `reg query KEY` output:
 * `    CurrentBuildNumber    REG_SZ    22631`. REG_DWORD values are printed in hex.
 */
export function parseRegQuery(text: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^ {4}(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(line);
    if (!m) continue;
    const name = m[1] as string;
    const type = m[2] as string;
    const value = (m[3] ?? '').trim();
    if (type === 'REG_DWORD' || type === 'REG_QWORD') {
      const n = Number.parseInt(value, 16);
      if (Number.isFinite(n)) out[name] = n;
    } else {
      out[name] = value;
    }
  }
  return out;
}

export interface WindowsVersion {
  readonly os: string;
  readonly osVersion?: string;
  readonly osBuild?: string;
  readonly edition?: string;
}

/**
 * OS facts from HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion. Windows 11
 * still says "Windows 10" in ProductName: build 22000 and later is 11. The
 * patch level is build.UBR (e.g. 22631.4460).
 */
export function windowsVersion(v: Record<string, string | number>): WindowsVersion {
  const build = Number(v.CurrentBuildNumber ?? v.CurrentBuild);
  let os = typeof v.ProductName === 'string' && v.ProductName ? v.ProductName : 'Windows';
  if (Number.isFinite(build) && build >= 22000 && /^Windows 10\b/.test(os) && !/Server/.test(os)) os = os.replace(/^Windows 10/, 'Windows 11');
  const displayVersion = v.DisplayVersion ?? v.ReleaseId;
  return {
    os,
    ...(typeof displayVersion === 'string' && displayVersion ? { osVersion: displayVersion } : {}),
    ...(Number.isFinite(build) ? { osBuild: typeof v.UBR === 'number' ? `${build}.${v.UBR}` : String(build) } : {}),
    ...(typeof v.EditionID === 'string' && v.EditionID ? { edition: v.EditionID } : {}),
  };
}
