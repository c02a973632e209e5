import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotApplicableError } from '../collectors/collector.js';
import { runTool } from './dnf.js';
import { parseWindowsUpdateJson } from './windows-update-parse.js';
import { WINDOWS_UPDATE_PS1 } from './windows-update-script.js';
import type { PatchCheckContext, PatchFindings, PatchSource } from './types.js';

/**
 * Windows 10/11/Server through the Windows Update Agent COM API. The script is
 * written to the data directory and run with -File (security products flag
 * -EncodedCommand). Everything, reboot keys included, comes from the one slow
 * run: reading the registry needs a child process too.
 */
export const windowsUpdateSource: PatchSource = {
  name: 'windows-update',
  async check(ctx: PatchCheckContext): Promise<PatchFindings> {
    if (ctx.platform !== 'win32') throw new NotApplicableError('Windows Update exists only on Windows');
    await mkdir(ctx.dataDir, { recursive: true });
    const script = join(ctx.dataDir, 'windows-update.ps1');
    // A BOM makes Windows PowerShell 5.1 read the file as UTF-8.
    await writeFile(script, `\uFEFF${WINDOWS_UPDATE_PS1}`, 'utf8');
    const res = await runTool(ctx, 'powershell.exe', ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', script]);
    if (res.code !== 0) throw new Error(`Windows Update script exited with ${res.code}`);
    return parseWindowsUpdateJson(res.stdout);
  },
};
