/** `sw_vers`: `ProductName:\tmacOS`, `ProductVersion:\t14.1.1`, `BuildVersion:\t23B81`. */
export function parseSwVers(text: string): { os?: string; osVersion?: string; osBuild?: string } {
  const get = (k: string): string | undefined => new RegExp(`^${k}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim();
  const os = get('ProductName');
  const osVersion = get('ProductVersion');
  const osBuild = get('BuildVersion');
  return { ...(os ? { os } : {}), ...(osVersion ? { osVersion } : {}), ...(osBuild ? { osBuild } : {}) };
}

/** `ioreg -rd1 -c IOPlatformExpertDevice`: the `"IOPlatformSerialNumber" = "C02…"` line. */
export function parseIoregSerial(text: string): string | undefined {
  return /"IOPlatformSerialNumber" = "([^"]+)"/.exec(text)?.[1];
}

/** Placeholder serials firmware vendors leave behind: not a serial. */
export function isRealSerial(s: string | undefined): s is string {
  if (!s) return false;
  const t = s.trim();
  return t.length > 1 && !/^(0+|none|n\/a|not specified|not applicable|default string|to be filled by o\.e\.m\.|system serial number|serial|\s*)$/i.test(t) && !/^(.)\1+$/.test(t);
}
