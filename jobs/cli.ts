/**
 * The `chorus` command line. Each command honours DATABASE_URL (a PostgreSQL server) or,
 * without it, the embedded database in CHORUS_DATA_DIR (default ./.data) — which only one
 * process may open at a time, so stop the web server before using the CLI on it.
 */
import { COMMANDS } from './commands';
import { UsageError, type Io } from './commands/types';

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
