/**
 * What the project's one SQL style costs per statement (issue 16): the same small statement sent
 * through the driver itself (PGlite `query`, postgres.js `unsafe`) and through drizzle
 * (`execRows(db, sql`…`)`), and a two-statement transaction each way. The variants run
 * interleaved, one statement at a time, so machine load hits them alike; CPU time is the
 * process's (user + system), wall time includes the database.
 *
 *   npx tsx bench/sql-overhead.ts [--db embedded|postgres] [--n 3000]
 *
 * `--db postgres` uses CHORUS_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres)
 * and creates, then drops, a scratch database.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import postgres, { type Sql } from 'postgres';
import { execRows, openDb, sql, type DbHandle } from '@/db/client';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const engine = arg('db', 'embedded');
const n = Number(arg('n', '3000'));

async function open(): Promise<{ handle: DbHandle; done: () => Promise<void> }> {
  if (engine === 'embedded') {
    const handle = await openDb({ dataDir: 'memory://' });
    return { handle, done: () => handle.close() };
  }
  const adminUrl = process.env.CHORUS_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const name = `chorus_bench_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDb({ databaseUrl: url.toString(), maxConnections: 4 });
  return {
    handle,
    done: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

async function main() {
  const { handle, done } = await open();
  const ids = Array.from({ length: 20 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const text = `select c.id::text as id, c.title, c.created_at from clips c where c.id = any($1::uuid[]) and c.status <> 'failed'`;
  const orm = () => sql`select c.id::text as id, c.title, c.created_at from clips c
                         where c.id = any(${sql.param(ids)}::uuid[]) and c.status <> 'failed'`;
  const pg = handle.pglite;
  const client = (handle.db as unknown as { $client: Sql }).$client;
  const driver = (q: string, params: unknown[] = []) =>
    pg ? pg.query(q, params).then((r) => r.rows) : client.unsafe(q, params as never[]);
  const driverTx = <T>(fn: (run: (q: string, params?: unknown[]) => Promise<unknown>) => Promise<T>) =>
    pg
      ? pg.transaction((tx) => fn((q, p = []) => tx.query(q, p)))
      : client.begin((tx) => fn((q, p = []) => tx.unsafe(q, p as never[])));
  const variants: Record<string, () => Promise<unknown>> = {
    'statement, driver': () => driver(text, [ids]),
    'statement, drizzle execRows': () => execRows(handle.db, orm()),
    'transaction of 2, driver': () =>
      driverTx(async (run) => {
        await run(`select set_config('statement_timeout', '0', true)`);
        return run(text, [ids]);
      }),
    'transaction of 2, drizzle': () =>
      handle.db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('statement_timeout', '0', true)`);
        return execRows(tx, orm());
      }),
  };
  const names = Object.keys(variants);
  for (let i = 0; i < 200; i++) for (const k of names) await variants[k]();
  const cpu = new Map(names.map((k) => [k, 0]));
  const wall = new Map(names.map((k) => [k, 0]));
  for (let i = 0; i < n; i++) {
    for (const k of names) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await variants[k]();
      const c = process.cpuUsage(c0);
      wall.set(k, wall.get(k)! + (performance.now() - t0) * 1000);
      cpu.set(k, cpu.get(k)! + c.user + c.system);
    }
  }
  console.log(`### ${engine === 'embedded' ? 'PGlite' : 'PostgreSQL (postgres.js)'}, ${n} of each, interleaved`);
  console.log('');
  console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`);
  console.log('');
  console.log('| variant | CPU µs | wall µs |');
  console.log('|---|---|---|');
  for (const k of names) console.log(`| ${k} | ${(cpu.get(k)! / n).toFixed(0)} | ${(wall.get(k)! / n).toFixed(0)} |`);
  await done();
}

void main();
