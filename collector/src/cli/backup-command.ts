import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { openDatabase } from '../db/open.js';
import { backupDatabase } from '../storage/backup.js';

interface BackupFlags {
  config?: string;
  dataDir?: string;
  quiet?: boolean;
}

/**
 * `backup FILE`: an online, consistent copy of the collector's database while
 * `serve` keeps ingesting (SQLite backup API through a second connection).
 * Progress goes to stderr so stdout stays clean for scripts.
 */
export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description('write a consistent copy of the database to FILE (safe while serve runs)')
    .argument('<file>', 'where to write the copy (replaced atomically when complete)')
    .option('--config <file>', 'collector config file (YAML)')
    .option('--data-dir <dir>', 'data directory')
    .option('--quiet', 'no progress output')
    .action(async (file: string, o: BackupFlags) => {
      const config = await loadConfig(o.config, o.dataDir ? { dataDir: o.dataDir } : {});
      const db = openDatabase(config.dataDir);
      const target = resolve(file);
      let lastPct = -1;
      try {
        const done = await backupDatabase(db, target, (p) => {
          const pct = Math.floor(p.fraction * 100);
          if (o.quiet || pct === lastPct) return;
          lastPct = pct;
          process.stderr.write(`\rbackup: ${pct}% (${p.copiedPages}/${p.totalPages} pages)`);
        });
        if (!o.quiet) process.stderr.write('\n');
        process.stdout.write(`${target} (${done.totalPages} pages)\n`);
      } finally {
        db.close();
      }
    });
}
