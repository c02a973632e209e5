import { CollectorError } from '../errors.js';

export interface InstallCommandInput {
  /** How lab PCs reach the collector, e.g. https://closet-server:8470 (no path). */
  readonly collectorUrl: string;
  readonly token: string;
  /** sha256 (hex) of the install scripts being served; the one-liners check them before running. */
  readonly shSha256?: string;
  readonly ps1Sha256?: string;
}

export interface InstallCommands {
  /** For a shell on the Linux machine (uses sudo). */
  readonly linux: string;
  /** For an elevated Windows PowerShell. */
  readonly windows: string;
}

// Everything pasted into a shell is checked against a strict pattern first, so
// nothing in a URL or token can ever be interpreted by sh or PowerShell.
const URL_RE = /^https?:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;
const TOKEN_RE = /^hm1\.[A-Za-z0-9_-]{8,128}(\.[A-Za-z0-9_-]{8,64})?$/;
const SHA_RE = /^[0-9a-f]{64}$/;

/**
 * The one line a technician pastes on each lab PC. The script is fetched
 * without certificate checks (the machine does not trust the collector's CA
 * yet) but its sha256 is part of the line, so a tampered script never runs;
 * the script then verifies the collector's key against the token's pin before
 * it sends the token anywhere.
 */
export function renderInstallCommands(input: InstallCommandInput): InstallCommands {
  const base = input.collectorUrl.replace(/\/+$/, '');
  if (!URL_RE.test(base)) throw new CollectorError('HM_BAD_REQUEST', `collector URL ${JSON.stringify(base)} is not of the form https://host:port`);
  if (!TOKEN_RE.test(input.token)) throw new CollectorError('HM_BAD_REQUEST', 'not an enrollment token');
  for (const h of [input.shSha256, input.ps1Sha256]) {
    if (h !== undefined && !SHA_RE.test(h)) throw new CollectorError('HM_BAD_REQUEST', 'install script checksum must be 64 hex digits');
  }
  const insecure = base.startsWith('https:') ? ' -k' : '';
  const shCheck = input.shSha256 ? ` && echo "${input.shSha256}  $f" | sha256sum -c --quiet` : '';
  const linux = `f=$(mktemp) && curl -fsS${insecure} ${base}/install.sh -o "$f"${shCheck} && sudo sh "$f" --collector '${base}' --token '${input.token}'; rm -f "$f"`;

  const psCheck = input.ps1Sha256 ? ` if ((Get-FileHash $f -Algorithm SHA256).Hash -ne '${input.ps1Sha256}') { throw 'install.ps1 checksum mismatch' };` : '';
  const windows =
    `$f = Join-Path $env:TEMP ('hm-install-' + [guid]::NewGuid() + '.ps1'); ` +
    `[Net.ServicePointManager]::SecurityProtocol = 'Tls12'; ` +
    `[Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }; ` +
    `(New-Object Net.WebClient).DownloadFile('${base}/install.ps1', $f); ` +
    `[Net.ServicePointManager]::ServerCertificateValidationCallback = $null;${psCheck} ` +
    `powershell.exe -NoProfile -ExecutionPolicy Bypass -File $f -Collector '${base}' -Token '${input.token}'; Remove-Item $f`;
  return { linux, windows };
}
