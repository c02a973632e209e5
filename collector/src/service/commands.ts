import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { COLLECTOR_BIN, installService } from './install.js';
import { renderCollectorUnit } from './unit.js';

interface Flags {
  config: string;
  dataDir?: string;
  listen?: string;
  user: string;
  systemdDir: string;
  start: boolean;
  print?: boolean;
}

/**
 * `install-service`: the collector as a systemd service with the documented
 * layout — config /etc/hallmonitor/collector.yaml, data (database, TLS,
 * agent downloads) /var/lib/hallmonitor, logs in the journal.
 */
export function registerInstallServiceCommand(program: Command): void {
  program
    .command('install-service')
    .description('install the collector as a systemd service (user, data dir, config if missing, unit), enable and start it')
    .option('--config <file>', 'config file the service uses; written with defaults if missing', '/etc/hallmonitor/collector.yaml')
    .option('--data-dir <dir>', 'data directory (default: dataDir from the config, else /var/lib/hallmonitor)')
    .option('--listen <host:port>', 'listen address written into a new config', '0.0.0.0:8470')
    .option('--user <name>', 'service account (created if missing)', 'hallmonitor')
    .option('--systemd-dir <dir>', 'where the unit file goes', '/etc/systemd/system')
    .option('--no-start', 'write everything but do not enable or start the service')
    .option('--print', 'only print the unit file that would be written')
    .action(async (o: Flags) => {
      const configFile = resolve(o.config);
      // An existing config decides the data dir and listen address; the flags only fill gaps.
      const existing = existsSync(configFile) ? await loadConfig(configFile, o.dataDir ? { dataDir: o.dataDir } : {}) : undefined;
      const dataDir = resolve(o.dataDir ?? existing?.dataDir ?? '/var/lib/hallmonitor');
      const listen = existing?.listen ?? o.listen ?? '0.0.0.0:8470';
      if (o.print) {
        const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
        process.stdout.write(renderCollectorUnit({ node: process.execPath, collectorBin: COLLECTOR_BIN, configFile, dataDir, user: o.user, port }));
        return;
      }
      await installService({ configFile, dataDir, listen, user: o.user, systemdDir: resolve(o.systemdDir), start: o.start });
    });
}
