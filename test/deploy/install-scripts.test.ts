import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCollectorUnit, systemdQuote } from '../../collector/src/service/unit.js';
import { runCommand } from '../support/processes.js';
import { INSTALL_PS1, INSTALL_SH } from './support.js';

/*
 * What can be checked here of the parts that run elsewhere. Debian has no
 * PowerShell, so install-agent.ps1 is checked on its text (and its WinSW XML
 * with xmllint), not run; docs/deploy.md says so.
 */
const ps1 = readFileSync(INSTALL_PS1, 'utf8');
const sh = readFileSync(INSTALL_SH, 'utf8');
const have = async (tool: string): Promise<boolean> => (await runCommand('sh', ['-c', `command -v ${tool}`])).code === 0;

describe('install-agent.sh (static)', () => {
  it('passes shellcheck as POSIX sh and parses with dash', async () => {
    expect((await runCommand('sh', ['-n', INSTALL_SH])).code).toBe(0);
    if (!(await have('shellcheck'))) return; // scripts/dev/setup.sh --tests installs it
    const r = await runCommand('shellcheck', ['-s', 'sh', INSTALL_SH]);
    expect(r.code, r.stdout).toBe(0);
  });

  it('never sets MemoryDenyWriteExecute and never runs the agent service as root', () => {
    expect(sh).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
    expect(sh).toMatch(/^User=\$SVC_USER$/m);
    expect(sh).toMatch(/^ExecStart=\$AGENT_BIN run --config \$CONF$/m);
    // What root executes is the root-owned copy, never the agent-writable one.
    expect(sh).toMatch(/^ExecStart=\$ROOT_BIN patch-check --write /m);
  });

  it('caps the agent heap below 2 GB, which keeps V8 from mapping its built-in code twice (agent README, Footprint)', () => {
    const cap = /^Environment=NODE_OPTIONS=--max-old-space-size=(\d+)$/m.exec(sh);
    expect(cap).not.toBeNull();
    expect(Number(cap![1])).toBeGreaterThanOrEqual(64);
    expect(Number(cap![1])).toBeLessThan(2048);
  });

  it('refuses to run without a collector, and explains', async () => {
    const r = await runCommand('sh', [INSTALL_SH, '--prefix', '/nonexistent', '--no-start'], { HALLMONITOR_COLLECTOR: '', HALLMONITOR_TOKEN: '' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--collector URL is required/);
    const bad = await runCommand('sh', [INSTALL_SH, '--bogus']);
    expect(bad.code).toBe(2);
  });
});

describe('install-agent.ps1 (text; no PowerShell on Debian)', () => {
  it('takes -Collector/-Token (also from the environment) and has an -Uninstall switch', () => {
    expect(ps1).toMatch(/\[string\]\$Collector = \$env:HALLMONITOR_COLLECTOR/);
    expect(ps1).toMatch(/\[string\]\$Token = \$env:HALLMONITOR_TOKEN/);
    expect(ps1).toMatch(/\[switch\]\$Uninstall/);
    expect(ps1).toContain("$ErrorActionPreference = 'Stop'");
  });

  it('verifies the pin before trusting the CA and checks every download against SHA256SUMS', () => {
    const pinCheck = ps1.indexOf('if ($got -ne $pin)');
    expect(pinCheck).toBeGreaterThan(0);
    expect(ps1.indexOf('[HallmonitorPinnedCa]::Ca = $ca')).toBeGreaterThan(pinCheck);
    expect(ps1.indexOf('ServerCertificateValidationCallback = [HallmonitorPinnedCa]::Check')).toBeGreaterThan(pinCheck);
    expect(ps1).toContain("(Get-FileHash $dest -Algorithm SHA256).Hash -ne $want");
  });

  it('has balanced braces, parentheses and here-strings', () => {
    const code = powershellCode(ps1);
    for (const [open, close] of [['{', '}'], ['(', ')'], ['[', ']']] as const) {
      expect(code.split(open).length, `${open}${close}`).toBe(code.split(close).length);
    }
    expect((ps1.match(/@'/g) ?? []).length).toBe((ps1.match(/'@/g) ?? []).length);
  });

  it('generates a WinSW 2.x service XML that is well-formed and restarts on failure', async () => {
    const xml = /\$xml = @'\r?\n([\s\S]*?)\r?\n'@/.exec(ps1)?.[1];
    expect(xml).toBeDefined();
    expect(xml).toContain('<id>hallmonitor-agent</id>');
    expect(xml).toContain('<executable>%BASE%\\hallmonitor-agent.exe</executable>');
    expect(xml).toContain('<onfailure action="restart"');
    expect(xml).toContain('<env name="HALLMONITOR_SELF_UPDATE" value="1"/>');
    if (!(await have('xmllint'))) return;
    const dir = mkdtempSync(join(os.tmpdir(), 'hm-winsw-'));
    try {
      writeFileSync(join(dir, 'hallmonitor-agent.xml'), xml!);
      const r = await runCommand('xmllint', ['--noout', join(dir, 'hallmonitor-agent.xml')]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the SPKI pin from the certificate DER the same way Node does', async () => {
    // Mirrors the PowerShell walker (skip [0] version, serial, sigAlg, issuer, validity,
    // subject; hash the next element) on real EC and RSA certificates from openssl.
    const { X509Certificate, createHash } = await import('node:crypto');
    const dir = mkdtempSync(join(os.tmpdir(), 'hm-pin-'));
    try {
      for (const key of [['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], ['-newkey', 'rsa:2048']]) {
        const r = await runCommand('openssl', ['req', '-x509', ...key, '-nodes', '-subj', '/CN=closet-server', '-days', '1', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem')]);
        expect(r.code, r.stderr).toBe(0);
        const x = new X509Certificate(readFileSync(join(dir, 'c.pem')));
        const der = x.raw;
        const len = (i: number): [number, number] => {
          const first = der[i + 1]!;
          if (first < 0x80) return [2, first];
          const n = first & 0x7f;
          return [2 + n, [...der.subarray(i + 2, i + 2 + n)].reduce((a, b) => a * 256 + b, 0)];
        };
        let i = len(0)[0];
        i += len(i)[0];
        if (der[i] === 0xa0) i += len(i)[0] + len(i)[1];
        for (let k = 0; k < 5; k++) i += len(i)[0] + len(i)[1];
        const [h, l] = len(i);
        const walked = createHash('sha256').update(der.subarray(i, i + h + l)).digest('base64');
        expect(walked).toBe(createHash('sha256').update(x.publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('collector systemd unit', () => {
  const unit = renderCollectorUnit({ node: '/usr/bin/node', collectorBin: '/opt/hallmonitor/collector/bin/hallmonitor-collector.js', configFile: '/etc/hallmonitor/collector.yaml', dataDir: '/var/lib/hallmonitor', user: 'hallmonitor', port: 8470 });

  it('is hardened, runs as its own user and logs to the journal', () => {
    expect(unit).toMatch(/^User=hallmonitor$/m);
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    expect(unit).toMatch(/^ReadWritePaths="\/var\/lib\/hallmonitor"$/m);
    expect(unit).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
    expect(unit).not.toMatch(/^StandardOutput=(file|append)/m);
    expect(unit).toMatch(/^CapabilityBoundingSet=$/m);
    expect(renderCollectorUnit({ node: '/n', collectorBin: '/c', configFile: '/f', dataDir: '/d', user: 'u', port: 443 })).toMatch(/^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m);
  });

  it('starts Node with the measured memory settings (docs/capacity.md)', () => {
    expect(unit).toMatch(/^ExecStart="\/usr\/bin\/node" "--max-semi-space-size=1" "--heap-growing-percent=15" "\/opt\/hallmonitor\/collector\/bin\/hallmonitor-collector.js" "serve"/m);
    expect(unit).toMatch(/^Environment=MALLOC_ARENA_MAX=2$/m);
    expect(unit).toMatch(/^Environment=MALLOC_MMAP_THRESHOLD_=16384$/m);
  });

  it('quotes paths as systemd reads them', () => {
    expect(systemdQuote('/srv/school data/50%$x"y')).toBe('"/srv/school data/50%%$$x\\"y"');
    expect(() => systemdQuote('a\nb')).toThrow();
  });

  it('passes systemd-analyze verify where available', async () => {
    if (!(await have('systemd-analyze'))) return;
    const dir = mkdtempSync(join(os.tmpdir(), 'hm-unit-'));
    try {
      const file = join(dir, 'hallmonitor-collector.service');
      writeFileSync(file, renderCollectorUnit({ node: process.execPath, collectorBin: process.execPath, configFile: '/etc/hallmonitor/collector.yaml', dataDir: dir, user: 'root', port: 8470 }));
      const r = await runCommand('systemd-analyze', ['verify', file]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** PowerShell source with strings, here-strings and comments blanked: what is left must balance. */
function powershellCode(src: string): string {
  let out = '';
  for (let i = 0; i < src.length; ) {
    const two = src.slice(i, i + 2);
    if (two === "@'" || two === '@"') {
      const end = src.indexOf(`${two[1]}@`, i + 2);
      i = end < 0 ? src.length : end + 2;
    } else if (two === '<#') {
      const end = src.indexOf('#>', i + 2);
      i = end < 0 ? src.length : end + 2;
    } else if (src[i] === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (src[i] === "'" || src[i] === '"') {
      const q = src[i]!;
      i++;
      for (; i < src.length; i++) {
        if (q === '"' && src[i] === '`') i++;
        else if (src[i] === q && src[i + 1] === q) i++;
        else if (src[i] === q) break;
      }
      i++;
    } else out += src[i++];
  }
  return out;
}
