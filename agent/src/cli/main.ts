import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { parseDuration } from '@hallmonitor/shared';
import { defaultAgentConfigPath, loadAgentConfig, validateAgentConfig, writeAgentConfig } from '../config.js';
import { enroll } from '../enroll.js';
import { AgentError } from '../errors.js';
import { collectOnce } from './collect-once.js';
import { addPatchCheckCommand } from './patch-check.js';
import { startAgent } from '../runtime.js';
import { AGENT_VERSION } from '../version.js';

function durationFlag(flag: string) {
  return (value: string): number => {
    const ms = parseDuration(value);
    if (ms === undefined || ms < 1000) throw new InvalidArgumentError(`${flag}: expected a duration of at least 1s such as 15s or 1m`);
    return ms;
  };
}

function labelFlag(value: string, prev: Record<string, string> = {}): Record<string, string> {
  const m = /^([a-zA-Z][a-zA-Z0-9_]{0,63})=(.{0,128})$/.exec(value);
  if (!m) throw new InvalidArgumentError(`--label: expected KEY=VALUE, got ${JSON.stringify(value)}`);
  return { ...prev, [m[1] as string]: m[2] as string };
}

function buildProgram(out: { code: number }): Command {
  const program = new Command('hallmonitor-agent')
    .description('Hallmonitor agent: reports host health, disks, patch level and Wi-Fi APs to a collector')
    .version(AGENT_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('enroll')
    .description('exchange an enrollment token for this agent\'s own credential and write the agent config')
    .requiredOption('--collector <url>', 'collector URL, e.g. https://closet-server:8470')
    .requiredOption('--token <token>', 'enrollment token from `hallmonitor-collector token create`')
    .option('--config <file>', 'agent config file to write', defaultAgentConfigPath())
    .option('--name <name>', 'display name (default: this machine\'s hostname)')
    .option('--site <site>', 'site this machine belongs to (default: the token\'s site)')
    .option('--label <key=value>', 'extra target label, repeatable', labelFlag, {})
    .action(async (o: { collector: string; token: string; config: string; name?: string; site?: string; label: Record<string, string> }) => {
      const got = await enroll({ collectorUrl: o.collector, token: o.token, ...(o.name ? { name: o.name } : {}), ...(o.site ? { site: o.site } : {}), labels: o.label });
      // Defaults come from the schema, so the written file and a loaded one never disagree.
      const config = validateAgentConfig({ ...got }, o.config);
      await writeAgentConfig(o.config, config);
      process.stdout.write(`enrolled as ${got.agent.name} (${got.agent.id}); config written to ${o.config}\n`);
    });

  program
    .command('run')
    .description('collect on an interval and report to the collector (the service runs this)')
    .option('--config <file>', 'agent config file', defaultAgentConfigPath())
    .option('--interval <duration>', 'collection interval, e.g. 15s (overrides config and collector)', durationFlag('--interval'))
    .action(async (o: { config: string; interval?: number }) => {
      const config = await loadAgentConfig(o.config);
      const logger = pino({ level: config.log.level, base: { name: 'hallmonitor-agent' } });
      const agent = await startAgent(config, logger, o.interval === undefined ? {} : { intervalMs: o.interval });
      await new Promise<void>((resolve) => {
        const stop = (sig: string): void => {
          logger.info({ signal: sig }, 'stopping');
          void agent.stop().then(resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });

  program
    .command('collect')
    .description('run one collection round and print it; needs no collector (a first diagnostic)')
    .requiredOption('--once', 'run a single round (required)')
    .option('--json', 'print JSON: {"facts": {…}, "samples": […]}')
    .option('--data-dir <dir>', 'agent data directory holding the patch cache (default: dataDir from --config, else /var/lib/hallmonitor-agent)')
    .option('--config <file>', 'agent config file, read only for dataDir and disabled collectors if it exists')
    .action(async (o: { once: boolean; json?: boolean; dataDir?: string; config?: string }) => {
      // The technician's first diagnostic must work before enrolment, so a config is optional here.
      const config = o.config ? await loadAgentConfig(o.config) : undefined;
      const dataDir = o.dataDir ?? config?.dataDir;
      const round = await collectOnce({ ...(dataDir ? { dataDir } : {}), ...(config ? { disabled: config.collectors.disabled } : {}) });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(round)}\n`);
      } else {
        process.stdout.write(`${JSON.stringify(round.facts, null, 2)}\n`);
        for (const s of round.samples) {
          const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',');
          process.stdout.write(`${s.name}${labels ? `{${labels}}` : ''} ${s.value}\n`);
        }
      }
    });

  addPatchCheckCommand(program);

  program.configureOutput({
    writeErr: (str) => process.stderr.write(str),
  });
  void out;
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const out = { code: 0 };
  const program = buildProgram(out);
  try {
    await program.parseAsync(argv as string[]);
    return out.code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; everything else already printed one line
      return err.exitCode;
    }
    if (err instanceof AgentError) {
      process.stderr.write(`hallmonitor-agent: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
