export interface ZypperPatchCheck {
  readonly patches: number;
  readonly security: number;
}

/**
 * `zypper patch-check` ends with "N patches needed (M security patches)"; with
 * nothing pending older versions print "No updates found." or "0 patches needed".
 */
export function parseZypperPatchCheck(text: string): ZypperPatchCheck | undefined {
  const m = /(\d+) patch(?:es)? needed(?: \((\d+) security patch(?:es)?\))?/.exec(text);
  if (m) return { patches: Number(m[1]), security: Number(m[2] ?? 0) };
  if (/No updates found|No patches needed/i.test(text)) return { patches: 0, security: 0 };
  return undefined;
}

/** `zypper --xmlout list-updates`: the number of `<update kind="package">` elements. */
export function parseZypperListUpdatesXml(xml: string): number | undefined {
  if (!/<stream>/.test(xml)) return undefined;
  let n = 0;
  for (const m of xml.matchAll(/<update\s[^>]*>/g)) {
    const kind = /\skind="([^"]*)"/.exec(m[0]);
    if (!kind || kind[1] === 'package') n++;
  }
  return n;
}
