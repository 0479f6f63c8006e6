/**
 * The `chorus` command line. Each command honours DATABASE_URL (a PostgreSQL server) or,
 * without it, the embedded database in CHORUS_DATA_DIR (default ./.data) — which only one
 * process may open at a time, so stop the web server before using the CLI on it.
 */
import { parseArgs } from 'node:util';
import { getDbHandle } from '@/db';
import { env } from '@/lib/env';
import { audioStore } from '@/lib/storage';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: Io): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  seed: {
    summary: 'Synthesize the demo catalog (and simulated votes)',
    usage: 'chorus seed [--clips N] [--seed N] [--simulate-votes]',
    async run(argv, io) {
      const { values } = parseArgs({
        args: argv,
        options: { clips: { type: 'string', default: '64' }, seed: { type: 'string', default: '1' }, 'simulate-votes': { type: 'boolean', default: false } },
      });
      const clips = positiveInt(values.clips, '--clips');
      const { seedDemo, ensureDemoAccounts } = await import('@/lib/demo/seed');
      const handle = await getDbHandle();
      const result = await seedDemo(handle.db, audioStore(), {
        clips,
        seed: positiveInt(values.seed, '--seed'),
        simulateVotes: values['simulate-votes'],
        onProgress: (done, total) => io.stderr.write(`\rsynthesizing ${done}/${total}`),
      });
      io.stderr.write('\n');
      const accounts = await ensureDemoAccounts(handle.db, env().CHORUS_DEMO_PASSWORD);
      io.stdout.write(JSON.stringify({ ...result, accounts }, null, 2) + '\n');
      return 0;
    },
  },
  worker: {
    summary: 'Run background job workers until interrupted',
    usage: 'chorus worker',
    async run(_argv, io) {
      const { startJobEngine, stopJobEngine } = await import('@/lib/jobs/runtime');
      const { ALL_JOBS, SCHEDULES } = await import('./registry');
      const handle = await getDbHandle();
      const engine = await startJobEngine(handle, ALL_JOBS);
      await engine.work();
      for (const s of SCHEDULES) await engine.schedule(s.job, s.cron, s.data);
      io.stderr.write(`chorus worker: running ${ALL_JOBS.map((j) => j.name).join(', ')} on the ${handle.mode} database\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      io.stderr.write('chorus worker: finishing running jobs…\n');
      await stopJobEngine();
      return 0;
    },
  },
};

function positiveInt(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

class UsageError extends Error {}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'chorus — music mood labeling and active learning',
    '',
    'Usage: chorus <command> [options]   (npm run chorus -- <command> …)',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}\n  ${' '.repeat(width)}  ${c.usage}`),
    '',
    'Database: DATABASE_URL=postgres://… for a server; otherwise the embedded database in CHORUS_DATA_DIR (./.data).',
  ].join('\n');
}

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help() + '\n');
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`chorus: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help')) {
    io.stdout.write(`${command.usage}\n  ${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`chorus ${name}: ${message}\n`);
    return err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

export function registerCommand(name: string, command: Command): void {
  COMMANDS[name] = command;
}

const invokedDirectly = process.argv[1] && /jobs[\\/]cli\.ts$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    async (code) => {
      const { getDbHandle: existing } = await import('@/db');
      const holder = globalThis as unknown as { __chorusDb?: unknown };
      if (holder.__chorusDb) await (await existing()).close().catch(() => {});
      process.exit(code);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
