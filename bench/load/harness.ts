/**
 * Shared pieces of the load and fault suites: a throwaway PostgreSQL database, a quickly seeded
 * catalog and contributors with API tokens, the production build served by `next start` on
 * loopback, and a timed HTTP client. Nothing here talks to anything but 127.0.0.1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDb, type DbHandle } from '@/db/client';
import { createApiToken } from '@/lib/auth/repo';
import { ensureTaxonomy } from '@/lib/demo/seed';
import { changeProjectSettings } from '@/lib/settings/service';
import type { ProjectSettings } from '@/lib/settings/schemas';

export const ROOT = process.cwd();
export const DEFAULT_ADMIN_URL = process.env.CHORUS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Refuses any URL that is not on this machine's loopback. */
export function assertLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname)) throw new Error(`refusing to send traffic to ${hostname}: loopback only`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ database

export interface BenchDb {
  name: string;
  url: string;
  handle: DbHandle;
  drop(): Promise<void>;
}

/** Creates `chorus_<prefix>_<time>` on the server behind `adminUrl`, migrated, with the default taxonomy. */
export async function createBenchDb(adminUrl: string, prefix: string, settings: Partial<ProjectSettings> = {}): Promise<BenchDb> {
  assertLoopback(adminUrl);
  const name = `chorus_${prefix}_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDb({ databaseUrl: url.toString(), maxConnections: 10 });
  await ensureTaxonomy(handle.db);
  await changeProjectSettings(handle.db, settings);
  const drop = async () => {
    await handle.close().catch(() => {});
    const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await a.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
    await a.end();
  };
  const unregister = onInterrupt(drop);
  return {
    name,
    url: url.toString(),
    handle,
    async drop() {
      unregister();
      await drop();
    },
  };
}

/** `n` open, ready clips with random priorities in one statement (generate_series), plus `gold` gold clips. */
export async function seedClips(handle: DbHandle, n: number, gold = 0): Promise<void> {
  await handle.exec(`
    insert into clips (sha256, title, artist, status, priority, duration_s, overlap_target)
    select md5(g::text) || md5((g::bigint * 7919)::text), 'clip ' || g, 'artist ' || (g % 997), 'ready', random(), 20,
           coalesce((select (value->>'overlap')::int from settings where key = 'project'), 3)
    from generate_series(1, ${n}) g;
    insert into gold_answers (clip_id, taxonomy_version, tags)
    select id, (select max(version) from taxonomy_versions where is_active), array[(select key from tags order by position limit 1)]
    from clips order by priority desc limit ${gold};
    analyze clips;`);
}

/** `n` users of `role` with one API token each, inserted directly (no password hashing). */
export async function seedUsers(handle: DbHandle, role: string, n: number, prefix = role): Promise<{ id: string; token: string }[]> {
  const rows = await handle.query<{ id: string }>(
    `insert into users (email, name, role) select '${prefix}-' || g || '@bench.local', '${prefix} ' || g, '${role}' from generate_series(1, ${n}) g returning id`,
  );
  const out: { id: string; token: string }[] = [];
  for (const row of rows) out.push({ id: row.id, token: (await createApiToken(handle.db, row.id, 'bench')).token });
  return out;
}

// ------------------------------------------------------------------ the web server

const SOURCES = ['app', 'components', 'lib', 'db', 'jobs', 'public', 'next.config.mjs', 'package.json', 'instrumentation.ts'];

function newestMtime(entry: string): number {
  if (!fs.existsSync(entry)) return 0;
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

/** Builds the production bundle when it is missing or older than the sources (as `npm start` does), or when forced. */
export function ensureBuild(mode: 'auto' | 'always' | 'never'): void {
  const buildId = path.join(ROOT, '.next', 'BUILD_ID');
  const builtAt = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  const stale = builtAt < Math.max(...SOURCES.map((s) => newestMtime(path.join(ROOT, s))));
  if (mode === 'never' ? !builtAt : mode === 'always' || stale) {
    console.error('bench: building the app (next build)…');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    });
    if (r.status !== 0) throw new Error('next build failed');
  }
}

export interface WebServer {
  base: string;
  port: number;
  child: ChildProcess;
  logFile: string;
  /** SIGTERM and wait (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<void>;
}

export interface ServerOptions {
  databaseUrl: string;
  port?: number;
  logFile: string;
  env?: Record<string, string>;
}

/** `next start` on 127.0.0.1 with the production build; resolves once /api/health answers. */
export async function startServer(options: ServerOptions): Promise<WebServer> {
  const port = options.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const log = fs.createWriteStream(options.logFile, { flags: 'a' });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    DATABASE_URL: options.databaseUrl,
    CHORUS_DEMO: '0',
    CHORUS_WORKERS_INPROCESS: '0',
    NEXTAUTH_URL: base,
    NEXTAUTH_SECRET: 'bench-secret-0123456789abcdef',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  // Its own process group, so a kill reaches any process `next start` forks, and nothing outlives the bench.
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  track(child);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app did not start; see ${options.logFile}:\n${fs.readFileSync(options.logFile, 'utf8').slice(-1500)}`);
    }
    await sleep(300);
  }
  return {
    base,
    port,
    child,
    logFile: options.logFile,
    async stop() {
      if (child.exitCode !== null) return;
      signalGroup(child, 'SIGTERM');
      const t = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
    async kill() {
      if (child.exitCode !== null) return;
      signalGroup(child, 'SIGKILL');
      await exited;
    },
  };
}

/** Signals the process group of a child this bench started (by its id; never by name). */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

const started: ChildProcess[] = [];
/** Children started detached are killed when the bench exits, however it exits. */
export function track(child: ChildProcess): void {
  started.push(child);
}
process.on('exit', () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) signalGroup(c, 'SIGKILL');
});
const cleanups = new Set<() => Promise<void>>();
/** Run on Ctrl-C too (e.g. dropping the throwaway database); returns the function to unregister. */
export function onInterrupt(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) signalGroup(c, 'SIGKILL');
    const done = Promise.allSettled([...cleanups].map((fn) => fn()));
    void Promise.race([done, sleep(10_000)]).then(() => process.exit(130));
  });
}

// ------------------------------------------------------------------ timing

export interface Timed {
  status: number;
  ms: number;
  body: unknown;
  headers: Headers | null;
  error?: string;
}

/** One request with a timeout; network failures come back as status 0 with the error. */
export async function timedFetch(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Timed> {
  assertLoopback(url);
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 30_000) });
    const type = res.headers.get('content-type') ?? '';
    const body = /^application\/(problem\+)?json/.test(type) ? await res.json().catch(() => null) : await res.text();
    return { status: res.status, ms: performance.now() - started, body, headers: res.headers };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { status: 0, ms: performance.now() - started, body: null, headers: null, error: e.cause?.code ?? e.name ?? String(err) };
  }
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export function summarize(samples: number[]): { n: number; p50: number; p90: number; p99: number; max: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    p99: quantile(s, 0.99),
    max: s[s.length - 1] ?? NaN,
    mean: s.reduce((a, b) => a + b, 0) / (s.length || 1),
  };
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model?.trim() ?? 'unknown CPU';
  const pg = spawnSync('psql', ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? 'psql ?';
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}, ${pg}, ${os.type()} ${os.release()}; load average at the end ${load} (1/5/15 min)`;
}

export function fmt(ms: number): string {
  return Number.isFinite(ms) ? (ms < 10 ? ms.toFixed(2) : ms.toFixed(1)) : '–';
}

/** Metric samples of one name from a Prometheus text page, with their labels. */
export function promSamples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const pair of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    out.push({ labels, value: Number(m[4]) });
  }
  return out;
}

// ------------------------------------------------------------------ integrity

export interface Acked {
  userId: string;
  key: string;
  voteId: string;
}

/**
 * What must hold after any load or fault: every acknowledged answer stored exactly once under
 * the id the client was given, no clip past its overlap (gold clips sit outside it), no
 * person holding two active leases on a clip, no answer on someone else's lease, and the
 * counters on the clip rows equal to what the rows they summarise say.
 */
export async function checkIntegrity(handle: DbHandle, acked: Acked[]): Promise<{ checks: [string, number, number][]; unacked: number }> {
  const q = handle.query.bind(handle);
  const ackedKeys = new Map(acked.map((a) => [`${a.userId}/${a.key}`, a.voteId]));
  const stored = await q<{ user_id: string; idempotency_key: string; id: string }>(`select user_id, idempotency_key, id from votes`);
  const storedByKey = new Map<string, string[]>();
  for (const s of stored) {
    const k = `${s.user_id}/${s.idempotency_key}`;
    storedByKey.set(k, [...(storedByKey.get(k) ?? []), s.id]);
  }
  let missing = 0;
  let duplicated = 0;
  let wrongId = 0;
  for (const [k, voteId] of ackedKeys) {
    const rows = storedByKey.get(k) ?? [];
    if (rows.length === 0) missing++;
    if (rows.length > 1) duplicated++;
    if (rows.length === 1 && rows[0] !== voteId) wrongId++;
  }
  const unacked = stored.filter((s) => !ackedKeys.has(`${s.user_id}/${s.idempotency_key}`)).length;
  const one = async (text: string) => Number((await q<{ n: number }>(text))[0].n);
  const answers = `(select count(*) from votes v where v.clip_id = c.id and v.kind in ('vote', 'targeted'))`;
  const held = `(select count(*) from leases l where l.clip_id = c.id and l.state = 'active' and l.queue = 'crowd' and not l.is_gold)`;
  const notGold = `not exists (select 1 from gold_answers g where g.clip_id = c.id)`;
  const checks: [string, number, number][] = [
    ['acknowledged answers missing from the database', missing, 0],
    ['acknowledged answers stored more than once', duplicated, 0],
    ['acknowledged answers stored under another id than acknowledged', wrongId, 0],
    ['clips with more crowd answers than their overlap', await one(`select count(*)::int as n from clips c where ${notGold} and ${answers} > c.overlap_target`), 0],
    ['clips with active leases + answers above their overlap', await one(`select count(*)::int as n from clips c where ${notGold} and ${held} + ${answers} > c.overlap_target`), 0],
    ['(clip, person) pairs holding two active leases', await one(`select count(*)::int as n from (select clip_id, user_id from leases where state = 'active' group by 1, 2 having count(*) > 1) d`), 0],
    ['answers given on someone else’s lease', await one(`select count(*)::int as n from votes v join leases l on l.id = v.lease_id where l.user_id <> v.user_id`), 0],
    ['leases with two answers', await one(`select count(*)::int as n from (select lease_id from votes where lease_id is not null group by 1 having count(*) > 1) d`), 0],
    ['clips whose vote_count differs from their votes', await one(`select count(*)::int as n from clips c where c.vote_count <> (select count(*) from votes v where v.clip_id = c.id and v.kind = 'vote')`), 0],
    ['clips whose slot counter differs from leases + answers', await one(`select count(*)::int as n from clips c where ${notGold} and c.assigned <> ${held} + ${answers}`), 0],
  ];
  return { checks, unacked };
}

export function checksTable(checks: [string, number, number][]): string[] {
  const lines = ['| check (from the database afterwards) | found | expected |', '|---|---:|---:|'];
  for (const [label, found, expected] of checks) lines.push(`| ${label} | ${found} | ${expected} |`);
  return lines;
}
