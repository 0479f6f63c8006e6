import fs from 'node:fs';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema';
import { classifyFailure, isReadOnlySql, RETRY_DELAY_MS, withRetry } from './retry';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A database or an open transaction: repositories accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export type DbMode = 'embedded' | 'postgres';

export interface DbHandle {
  db: Db;
  mode: DbMode;
  /** Raw SQL with positional parameters, for the job engine and the vector index. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Multi-statement SQL without parameters. */
  exec(text: string): Promise<void>;
  close(): Promise<void>;
  /** The PGlite instance in embedded mode (pg-boss talks to it through an adapter). */
  pglite?: import('@electric-sql/pglite').PGlite;
  url?: string;
}

export const MIGRATIONS_DIR = path.join(process.cwd(), 'db', 'migrations');

export interface DbConfig {
  databaseUrl?: string;
  /** Folder for the embedded database, or `memory://` for a throwaway one. */
  dataDir?: string;
  maxConnections?: number;
  /** PostgreSQL only: called with every statement sent (benchmarks count statements per operation). */
  onQuery?: (text: string) => void;
  /** PostgreSQL only: plan_cache_mode of the pool's connections (benchmarks compare; default force_generic_plan). */
  planCacheMode?: 'auto' | 'force_generic_plan' | 'force_custom_plan';
}

export async function openDb(config: DbConfig): Promise<DbHandle> {
  const handle = config.databaseUrl
    ? await openPostgres(
        config.databaseUrl,
        config.maxConnections ?? 20,
        config.onQuery,
        config.planCacheMode ?? 'force_generic_plan',
      )
    : await openEmbedded(config.dataDir ?? './.data');
  await migrate(handle);
  return handle;
}

async function openPostgres(
  url: string,
  max: number,
  onQuery: ((text: string) => void) | undefined,
  planCacheMode: NonNullable<DbConfig['planCacheMode']>,
): Promise<DbHandle> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  // Reconnect backoff: postgres.js grows it as 3^failures / 100 s (up to 20 s) with the failure count
  // shared by the pool, so after a restart of the server a busy pool waited up to 20 s before trying
  // again. Cap it at 2 s (with jitter), so the app is back within seconds of the database.
  const backoff = (retries: number) => Math.min(2, 0.05 * 2 ** retries) * (0.5 + Math.random() / 2);
  // Dead connections: postgres.js closes a connection on any socket error or server-side termination
  // and opens a new one for the next query. A connection attempt that hangs fails after
  // connect_timeout (5 s, so the one retry below still fits in a client's patience); idle
  // connections are dropped after 20 s and every connection is replaced after 10–20 min
  // (max_lifetime, randomised so they do not all reconnect at once), so none outlives a
  // failover for long.
  const client = postgres(url, {
    max,
    onnotice: () => {},
    idle_timeout: 20,
    connect_timeout: 5,
    max_lifetime: 60 * (10 + Math.random() * 10),
    backoff,
    ...(onQuery ? { debug: (_connection: number, text: string) => onQuery(text) } : {}),
    // Statements sent prepared (execRows' `prepare: true`, the queue's hot path only) reuse one
    // generic plan per connection: planning the next-clip pick cost more CPU than running it, and
    // under auto PostgreSQL kept planning it on every call. Unnamed statements are unaffected.
    connection: { plan_cache_mode: planCacheMode },
  });
  const retrying = retryingClient(client);
  const db = drizzle(retrying as typeof client, { schema }) as unknown as Db;
  // Code that needs the driver itself (cursors, reserved connections) gets the plain client.
  (db as unknown as { $client: unknown }).$client = client;
  return {
    db,
    mode: 'postgres',
    url,
    query: async <T>(text: string, params: unknown[] = []) =>
      (await withRetry(() => client.unsafe(text, params as never[]), isReadOnlySql(text), logRetry)) as unknown as T[],
    exec: async (text) => {
      await withRetry(() => client.unsafe(text), isReadOnlySql(text), logRetry);
    },
    close: () => client.end({ timeout: 5 }),
  };
}

function logRetry(err: unknown) {
  const e = err as { code?: string; message?: string };
  console.warn(`db: connection error (${e.code ?? e.message}), retrying once on a fresh connection`);
}

/**
 * The postgres.js client as drizzle sees it, with one retry on a fresh connection after a
 * connection error (db/retry.ts): any statement whose connection never got established, a read
 * whose connection died under it. A transaction is retried only when the connection failed before
 * its callback ran (nothing of it reached the server); one that fails part-way is not, as the
 * callback may have done more than SQL. Votes are safe either way: the client retries with its
 * idempotency key and the vote transaction replays the stored answer (lib/queue/repo.ts).
 */
function retryingClient(client: import('postgres').Sql): import('postgres').Sql {
  const unsafe = (text: string, params?: unknown[], opts?: unknown) => {
    const readOnly = isReadOnlySql(text);
    const run = (values: boolean) =>
      withRetry(
        () => {
          const q = client.unsafe(text, params as never[], opts as never);
          return values ? q.values() : q;
        },
        readOnly,
        logRetry,
      );
    return {
      values: () => run(true),
      then: <A, B>(ok?: (v: unknown) => A, ko?: (e: unknown) => B) => run(false).then(ok, ko),
      catch: <B>(ko: (e: unknown) => B) => run(false).catch(ko),
    };
  };
  const begin = (...args: unknown[]) => {
    const fn = args.pop() as (tx: unknown) => unknown;
    let ran = false;
    const attempt = () =>
      (client.begin as (...a: unknown[]) => Promise<unknown>)(...args, (tx: unknown) => {
        ran = true;
        return fn(tx);
      });
    return attempt().catch(async (err) => {
      if (ran || classifyFailure(err) !== 'not-sent') throw err;
      logRetry(err);
      await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
      ran = false;
      return attempt();
    });
  };
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'unsafe') return unsafe;
      if (prop === 'begin') return begin;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

async function openEmbedded(dataDir: string): Promise<DbHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite-pgvector');
  const { drizzle } = await import('drizzle-orm/pglite');
  const dir = dataDir.startsWith('memory://') ? dataDir : path.join(path.resolve(dataDir), 'pg');
  let releaseLock = () => {};
  if (!dir.startsWith('memory://')) {
    fs.mkdirSync(dir, { recursive: true });
    releaseLock = lockDataDir(path.resolve(dataDir));
  }
  const pglite = await PGlite.create({ dataDir: dir, extensions: { vector } }).catch((err) => {
    releaseLock();
    throw err;
  });
  const db = drizzle(pglite, { schema }) as unknown as Db;
  return {
    db,
    mode: 'embedded',
    pglite,
    query: async <T>(text: string, params: unknown[] = []) => (await pglite.query<T>(text, params)).rows,
    exec: async (text) => {
      await pglite.exec(text);
    },
    close: async () => {
      await pglite.close();
      releaseLock();
    },
  };
}

/**
 * The embedded database is a folder that exactly one process may open (two would corrupt it).
 * A lock file with the owner's pid turns a second opener (say, the CLI while `npm start` runs)
 * into a clear error; a lock left by a dead process is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'chorus.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      const release = () => {
        try {
          if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.rmSync(file);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(file, 'utf8'));
      if (owner === process.pid) return () => {};
      if (owner && isAlive(owner)) {
        throw new Error(
          `The embedded database in ${dataDir} is in use by process ${owner} (is \`npm start\` running?). ` +
            'Stop it first, or point both at a PostgreSQL server with DATABASE_URL.',
        );
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock the embedded database in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Applies the drizzle-kit migrations; an advisory lock keeps web and workers from racing on Postgres. */
async function migrate(handle: DbHandle): Promise<void> {
  if (handle.mode === 'embedded') {
    const { migrate: run } = await import('drizzle-orm/pglite/migrator');
    await run(handle.db as never, { migrationsFolder: MIGRATIONS_DIR });
    return;
  }
  const { migrate: run } = await import('drizzle-orm/postgres-js/migrator');
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  // One dedicated connection so the advisory lock and the migration share a session.
  const client = postgres(handle.url!, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(7318201)`;
    await run(drizzle(client), { migrationsFolder: MIGRATIONS_DIR });
    await client`select pg_advisory_unlock(7318201)`;
  } finally {
    await client.end({ timeout: 5 });
  }
}

/** The latest applied migration (tag and time), for /api/health. */
export async function migrationVersion(handle: DbHandle): Promise<{ applied: number; latest: string | null }> {
  const rows = await handle.query<{ n: string; created_at: string }>(
    'select count(*)::int as n, max(created_at)::text as created_at from drizzle.__drizzle_migrations',
  );
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string; when: number }[];
  };
  const applied = Number(rows[0]?.n ?? 0);
  return { applied, latest: journal.entries[applied - 1]?.tag ?? null };
}

/** drizzle's `execute` returns an array on postgres.js and `{ rows }` on PGlite; this hides that. */
export async function execRows<T>(db: DbOrTx, query: SQL, options: { prepare?: boolean } = {}): Promise<T[]> {
  if (options.prepare) {
    const prepared = await execPrepared<T>(db, query);
    if (prepared) return prepared;
  }
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * `prepare: true` (postgres.js only; PGlite runs the statement as usual): the statement is sent as a
 * named prepared statement, which postgres.js keeps per connection by its text. drizzle's
 * `execute` sends every raw statement unnamed, so PostgreSQL parses and plans it on every call and
 * postgres.js waits for a Describe round trip before each one that has parameters. For the hot
 * path's few statements whose text is fixed (values only in parameters): one round trip, parsed
 * once per connection, and the plan cache (custom plans first, a generic one once it is as cheap).
 * Never for statements whose text varies per call (an IN list of values): each text would be
 * kept per connection until the connection is recycled.
 */
async function execPrepared<T>(db: DbOrTx, query: SQL): Promise<T[] | null> {
  const inner = db as unknown as {
    session?: { client?: { unsafe?: (text: string, params: unknown[], opts: { prepare: boolean }) => Promise<T[]> } };
    dialect?: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } };
  };
  const client = inner.session?.client;
  if (typeof client?.unsafe !== 'function' || !inner.dialect) return null;
  const q = inner.dialect.sqlToQuery(query);
  return [...(await client.unsafe(q.sql, q.params, { prepare: true }))];
}

export { sql };
