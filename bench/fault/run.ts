/**
 * Fault suite: scripted, repeatable failures against the production build on loopback.
 *
 *   npm run bench:fault -- [--only kill-web,restart-db,kill-worker,disk-full,singleton-race,kill-em,kill-db,partition,corrupt-onnx,db-disk-full] [--repeat N] [--shared-cluster] [--build auto|always|never]
 *
 * `--repeat N` runs the chosen scenarios N times in a row (a suite that passes once is not evidence);
 * a scenario that throws or overruns its time limit is a failure with its reason, and the next
 * scenarios still run.
 *
 * 1. kill-web    — SIGKILL the web server while votes are in flight, restart it, retry each
 *                  vote with the same idempotency key: exactly one vote per key.
 * 2. restart-db  — stop PostgreSQL under load for a few seconds and start it again: /api/health
 *                  reports the outage while it lasts; the app reconnects and serves again
 *                  without a restart; acknowledged votes are stored exactly once.
 * 3. kill-worker — SIGKILL a `chorus worker` in the middle of a feature-extraction job, start
 *                  another: the killed job shows retrying/failed within 60 s (the new worker's
 *                  heartbeat sweep), extraction finishes, no duplicate feature rows.
 * 4. disk-full   — the audio folder on a 1 MiB tmpfs: uploads fail with a clear per-file error
 *                  once it is full, everything else keeps working, and uploads work again once
 *                  there is room.
 * 5. singleton-race — two workers poll the crowd EM queue (stately) while two senders queue it
 *                  in bursts: every accepted job runs exactly once, never two at a time.
 * 6. kill-em     — SIGKILL the worker while the crowd EM job writes its clip batches: the job
 *                  shows retrying within 60 s, its retry completes on a new worker, no vote is
 *                  lost or changed, one fit for the run, every clip's posteriors written.
 * 7. kill-db     — as 2, but every PostgreSQL process gets SIGKILL while vote transactions are
 *                  open (a crash: the restart replays the WAL); private instance only.
 * 8. partition   — web ↔ PostgreSQL through a TCP proxy (./proxy.ts): 200 ms round-trip latency,
 *                  then a 10 s partition, then healed: every answer a success or a clear 503,
 *                  health 503 while partitioned, requests succeed within 5 s of the heal,
 *                  acknowledged votes stored once, refused ones not at all.
 * 9. corrupt-onnx — promote (and roll back to) models whose stored ONNX is corrupt in several ways
 *                  in the running app: refused with a clear 422, the active model keeps serving,
 *                  nothing half-switched; an intact file is promoted.
 * 10. db-disk-full — the votes table in a tablespace on a 16 MiB tmpfs, filled up: votes refused
 *                  with a clear 503 and nothing half-written; voting works again once space is
 *                  freed. Private instance only.
 *
 * PostgreSQL: by default a private instance (own data folder and port, started as the
 * `postgres` user) so that stopping it disturbs nobody else's tests; `--shared-cluster` uses the
 * machine's cluster with `pg_ctlcluster 15 main stop/start` instead. Every loop is bounded in
 * count and time; every request goes to 127.0.0.1. Outcomes go to bench/results/fault.md.
 */
import { parseArgs } from 'node:util';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { DbHandle } from '@/db/client';
import { encodeWav } from '@/lib/audio/wav';
import { seedDemo } from '@/lib/demo/seed';
import { createBoss, JobEngine, type JobDefinition } from '@/lib/jobs/engine';
import { LocalAudioStore } from '@/lib/storage';
import { aggregateVotesJob } from '@/jobs/aggregate-votes';
import { extractFeaturesJob } from '@/jobs/extract-features';
import { rescoreCatalog } from '@/lib/active/service';
import { getModel, setModelOnnx } from '@/lib/model/repo';
import { onnxSha256, retrain } from '@/lib/model/service';
import { buildTestCatalog } from '../../tests/integration/model-catalog';
import { ALL_JOBS } from '@/jobs/registry';
import {
  checkIntegrity,
  checksTable,
  createBenchDb,
  DEFAULT_ADMIN_URL,
  ensureBuild,
  freePort,
  machine,
  ROOT,
  seedClips,
  seedUsers,
  signalGroup,
  sleep,
  startServer,
  timedFetch,
  track,
  type Acked,
  type WebServer,
} from '../load/harness';
import { createPrivateCluster, runAsync, type PgCluster } from './pg-cluster';
import { startProxy } from './proxy';
import { resolveByKey, voteIdOf, voteShape, type VoteShape } from './shapes';

const { values } = parseArgs({
  options: {
    only: {
      type: 'string',
      default: 'kill-web,restart-db,kill-worker,disk-full,singleton-race,kill-em,kill-db,partition,corrupt-onnx,db-disk-full',
    },
    'shared-cluster': { type: 'boolean', default: false },
    build: { type: 'string', default: 'auto' },
    out: { type: 'string', default: path.join('bench', 'results', 'fault.md') },
    repeat: { type: 'string', default: '1' },
    'scenario-minutes': { type: 'string', default: '12' },
  },
});
const ONLY = new Set(values.only!.split(','));
const REPEAT = Math.max(1, Math.min(20, Number(values.repeat) || 1));
const SCENARIO_MS = Math.max(1, Number(values['scenario-minutes']) || 12) * 60_000;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-fault-'));
const report: string[] = [];
let failures = 0;
/** Per scenario: passes and failures over the repeats. */
const tally = new Map<string, { pass: number; fail: number; reasons: string[] }>();
let currentScenario = '';

interface Db {
  stop(): Promise<void>;
  /** SIGKILL to every server process (a crash, no shutdown); only for the private instance. */
  kill?(): Promise<void>;
  start(): Promise<void>;
  adminUrl: string;
  label: string;
}

function section(title: string) {
  console.error(`\nfault: ── ${title}`);
  // The machine is shared: the load when the scenario started goes beside its figures.
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
  report.push(
    `### ${title}`,
    '',
    `Load average at the start: ${load} (1/5/15 min); started ${new Date().toISOString().slice(11, 19)} UTC.`,
    '',
  );
}

function verdict(ok: boolean, text: string) {
  if (!ok) failures++;
  if (!ok) scenarioFailed(text);
  report.push(`${ok ? 'PASS' : '**FAIL**'} — ${text}`, '');
}

function scenarioFailed(reason: string) {
  const t = tally.get(currentScenario);
  if (!t) return;
  t.fail++;
  t.reasons.push(reason.slice(0, 200));
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const json = (token: string) => ({ ...auth(token), 'content-type': 'application/json' });

interface LeaseAnswer {
  lease: { id: string };
  taxonomy: { tags: { key: string }[] };
}

/**
 * The lease a queue/next answer carries, else null — also for a 200 whose body never arrived
 * complete (the client's timeout ran out while reading it), which a loaded or failing server
 * can produce and which must not crash the suite (issue 19 item 1).
 */
function leaseOf(r: { status: number; body: unknown }): LeaseAnswer | null {
  const b = r.body as Partial<LeaseAnswer> | null;
  return r.status === 200 &&
    b &&
    typeof b === 'object' &&
    typeof b.lease?.id === 'string' &&
    Array.isArray(b.taxonomy?.tags) &&
    b.taxonomy.tags.length >= 5
    ? (b as LeaseAnswer)
    : null;
}

/**
 * Causes of the 500s and database-unavailable 503s a server logged (pino lines: the error carries the request id, the request
 * line its duration), for requests that started at or after `since` (epoch ms).
 */
function serverErrorCauses(logFile: string, since: number): Map<string, number> {
  const starts = new Map<string, number>();
  const errors: { requestId?: string; time: number; key: string }[] = [];
  for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let e: {
      level?: number;
      time?: number;
      requestId?: string;
      ms?: number;
      msg?: string;
      err?: { message?: string; stack?: string };
    };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (e.msg === 'request' && e.requestId && e.time) starts.set(e.requestId, e.time - (e.ms ?? 0));
    // 500s, and the 503s a database failure now answers (lib/http/route.ts logs those as warnings).
    if ((e.level === 50 || (e.level === 40 && e.msg === 'database unavailable')) && e.err) {
      const cause = /caused by: (\w*Error): ([^\n]*)/.exec(e.err.stack ?? '');
      const key = (cause ? `${cause[1]}: ${cause[2]}` : (e.err.message ?? '?'))
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '…')
        .replace(/127\.0\.0\.1:\d+/g, 'db')
        .slice(0, 90);
      errors.push({ requestId: e.requestId, time: e.time ?? 0, key });
    }
  }
  const out = new Map<string, number>();
  for (const err of errors) {
    const started = err.requestId ? (starts.get(err.requestId) ?? err.time) : err.time;
    if (started < since) continue;
    out.set(err.key, (out.get(err.key) ?? 0) + 1);
  }
  return out;
}

function describeCauses(causes: Map<string, number>): string {
  return causes.size ? [...causes.entries()].map(([k, n]) => `${n}× \`${k}\``).join('; ') : 'none';
}

// ---------------------------------------------------------------- 1. kill the web server mid-vote

async function killWeb(pg: Db) {
  section('1. Web server killed (SIGKILL) mid-vote, votes retried with the same idempotency key');
  const db = await createBenchDb(pg.adminUrl, 'fault_kill', {
    overlap: 3,
    goldRate: 0,
    newContributorGoldRate: 0,
    targetedQuestionRate: 0,
  });
  let server: WebServer | undefined;
  try {
    await seedClips(db.handle, 2000);
    const users = await seedUsers(db.handle, 'contributor', 20);
    const port = await freePort();
    const start = () => startServer({ databaseUrl: db.url, port, logFile: path.join(work, 'kill-web.log') });
    server = await start();
    const delays = [0, 25, 50, 100, 200, 400];
    const acked: Acked[] = [];
    let retried5xx = 0;
    let inFlightTotal = 0;
    const rows: string[] = [
      '| round | kill after ms | votes in flight | answered before the kill: with vote / without body / no answer / other | retry: 200 replayed | retry: 201 created | retry: other | restart s |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ];
    const firstShapes: Record<VoteShape, number> = { acked: 0, 'acked-no-body': 0, 'no-answer': 0, other: 0 };
    for (const [round, delay] of delays.entries()) {
      const base = server.base;
      const leases = await Promise.all(users.map((u) => timedFetch(`${base}/api/queue/next`, { headers: auth(u.token) })));
      const inFlight = users.map((u, i) => ({ u, i, item: leaseOf(leases[i]) })).filter((x) => x.item);
      const bodies = inFlight.map(({ i, item }) => ({
        kind: 'vote',
        leaseId: item!.lease.id,
        tags: [item!.taxonomy.tags[i % item!.taxonomy.tags.length].key],
        idempotencyKey: `kill-${round}-${i}`,
      }));
      inFlightTotal += inFlight.length;
      const first = inFlight.map(({ u }, k) =>
        timedFetch(`${base}/api/votes`, {
          method: 'POST',
          headers: json(u.token),
          body: JSON.stringify(bodies[k]),
          timeoutMs: 5000,
        }),
      );
      await sleep(delay);
      await server.kill();
      const firstResults = await Promise.all(first);
      const t0 = performance.now();
      server = await start();
      const restartS = (performance.now() - t0) / 1000;
      // Retry each vote with its key; a 5xx on the retry (see the causes below) is retried too, at most 5 times.
      const retry = await Promise.all(
        inFlight.map(async ({ u }, k) => {
          let r = await timedFetch(`${server!.base}/api/votes`, {
            method: 'POST',
            headers: json(u.token),
            body: JSON.stringify(bodies[k]),
          });
          for (let attempt = 1; attempt < 5 && (r.status === 0 || r.status >= 500); attempt++) {
            retried5xx++;
            await sleep(100 * attempt);
            r = await timedFetch(`${server!.base}/api/votes`, {
              method: 'POST',
              headers: json(u.token),
              body: JSON.stringify(bodies[k]),
            });
          }
          return r;
        }),
      );
      retry.forEach((r, k) => {
        // The vote id from the retry, else the one acknowledged before the kill, else (no body either time) looked up by key below.
        if (r.status === 200 || r.status === 201)
          acked.push({
            userId: inFlight[k].u.id,
            key: bodies[k].idempotencyKey,
            voteId: voteIdOf(r) ?? voteIdOf(firstResults[k]) ?? '',
          });
        else if (voteShape(firstResults[k]).startsWith('acked'))
          acked.push({ userId: inFlight[k].u.id, key: bodies[k].idempotencyKey, voteId: voteIdOf(firstResults[k]) ?? '' });
      });
      const shapes = firstResults.map(voteShape);
      for (const sh of shapes) firstShapes[sh]++;
      // An answer the client saw before the kill must be the one the retry replays (when both carry the vote).
      const mismatched = firstResults.filter(
        (r, k) => voteIdOf(r) && voteIdOf(retry[k]) && voteIdOf(retry[k]) !== voteIdOf(r),
      ).length;
      if (mismatched)
        verdict(
          false,
          `round ${round}: ${mismatched} retries replayed a different vote than the one acknowledged before the kill`,
        );
      const other = retry
        .filter((r) => r.status !== 200 && r.status !== 201)
        .map((r) => `${r.status || r.error} ${JSON.stringify((r.body as { error?: unknown })?.error ?? '').slice(0, 80)}`);
      rows.push(
        `| ${round + 1} | ${delay} | ${inFlight.length} | ${shapes.filter((x) => x === 'acked').length} / ${shapes.filter((x) => x === 'acked-no-body').length} / ${shapes.filter((x) => x === 'no-answer').length} / ${shapes.filter((x) => x === 'other').length} | ${retry.filter((r) => r.status === 200).length} | ${retry.filter((r) => r.status === 201).length} | ${other.length ? other.join('; ').replace(/\|/g, '\\|') : 0} | ${restartS.toFixed(1)} |`,
      );
    }
    const byKey = await resolveByKey(db.handle, acked);
    const perKey = await db.handle.query<{ n: number; keys: number }>(
      `select count(*)::int as n, count(distinct (user_id, idempotency_key))::int as keys from votes where idempotency_key like 'kill-%'`,
    );
    const { checks } = await checkIntegrity(db.handle, acked);
    const causes = serverErrorCauses(path.join(work, 'kill-web.log'), 0);
    report.push(
      ...rows,
      '',
      `Answers seen before the kills: ${firstShapes.acked} with the vote, ${firstShapes['acked-no-body']} acknowledged without a (complete) body, ${firstShapes['no-answer']} with no answer (reset / refused), ${firstShapes.other} other; ${byKey} acknowledged votes without a vote id in any answer were found by idempotency key in the database.`,
      '',
      `Votes stored for the ${acked.length} acknowledged keys: ${perKey[0].n} rows for ${perKey[0].keys} distinct keys. Retries answered 5xx and retried again: ${retried5xx}; server-logged causes: ${describeCauses(causes)}.`,
      '',
      ...checksTable(checks),
      '',
    );
    const ok =
      checks.every(([, f, e]) => f === e) &&
      perKey[0].n === acked.length &&
      acked.length === perKey[0].keys &&
      acked.length === inFlightTotal;
    verdict(
      ok,
      `after ${delays.length} kills with votes in flight, every key has exactly one vote and every retry was answered 200 (replay) or 201 (first write).`,
    );
  } finally {
    await server?.stop();
    await db.drop();
  }
}

// ---------------------------------------------------------------- 2. restart PostgreSQL under load

async function restartDb(pg: Db, how: 'stop' | 'kill' = 'stop') {
  if (how === 'kill' && !pg.kill) {
    section('7. PostgreSQL killed (SIGKILL) mid-vote-transaction');
    report.push('Not run: only on the private instance (the machine’s shared cluster is never killed).', '');
    return;
  }
  section(
    how === 'stop'
      ? `2. PostgreSQL stopped under load for 6 s and started again (${pg.label})`
      : `7. PostgreSQL killed (SIGKILL, every server process) mid-vote-transaction, started again 6 s later with crash recovery (${pg.label})`,
  );
  const db = await createBenchDb(pg.adminUrl, 'fault_pg', {
    overlap: 3,
    goldRate: 0,
    newContributorGoldRate: 0,
    targetedQuestionRate: 0,
  });
  let server: WebServer | undefined;
  try {
    await seedClips(db.handle, 5000);
    const users = await seedUsers(db.handle, 'contributor', 30);
    server = await startServer({ databaseUrl: db.url, logFile: path.join(work, 'restart-db.log') });
    const base = server.base;
    const began = performance.now();
    const at = () => (performance.now() - began) / 1000;
    // Each request keeps its start and end: phases go by start, so a request sent while the
    // database was down counts with the outage even when its answer came after the restart.
    const events: { start: number; t: number; route: string; status: number }[] = [];
    const health: { start: number; t: number; status: number; reachable: unknown }[] = [];
    const acked: Acked[] = [];
    let tDown = Infinity;
    let tGone = Infinity;
    let tStarting = Infinity;
    let tUp = Infinity;
    let stopAt = 40;
    const running = () => at() < stopAt;

    const contributor = async (u: { id: string; token: string }, i: number) => {
      let n = 0;
      while (running()) {
        const nextStart = at();
        const next = await timedFetch(`${base}/api/queue/next`, { headers: auth(u.token), timeoutMs: 10_000 });
        const item = leaseOf(next);
        // A 200 whose body was cut off counts as no answer.
        events.push({ start: nextStart, t: at(), route: 'next', status: next.status === 200 && !item ? 0 : next.status });
        if (!item) {
          await sleep(250);
          continue;
        }
        const body = JSON.stringify({
          kind: 'vote',
          leaseId: item.lease.id,
          tags: [item.taxonomy.tags[n % 5].key],
          idempotencyKey: `restart-${i}-${n++}`,
        });
        for (let attempt = 0; attempt < 40 && running(); attempt++) {
          const voteStart = at();
          const v = await timedFetch(`${base}/api/votes`, { method: 'POST', headers: json(u.token), body, timeoutMs: 10_000 });
          events.push({ start: voteStart, t: at(), route: 'vote', status: v.status });
          if (v.status === 200 || v.status === 201) {
            acked.push({ userId: u.id, key: JSON.parse(body).idempotencyKey, voteId: voteIdOf(v) ?? '' });
            break;
          }
          if (v.status !== 0 && v.status < 500) break;
          await sleep(250);
        }
        await sleep(50);
      }
    };
    const poller = async () => {
      while (running()) {
        const start = at();
        const h = await timedFetch(`${base}/api/health`, { timeoutMs: 5000 });
        health.push({
          start,
          t: at(),
          status: h.status,
          reachable: (h.body as { database?: { reachable?: boolean } })?.database?.reachable,
        });
        await sleep(250);
      }
    };
    let wallUp = 0;
    const chaos = async () => {
      await sleep(6000);
      tDown = at();
      if (how === 'stop') await pg.stop();
      else await pg.kill!();
      tGone = at();
      await sleep(6000);
      tStarting = at();
      await pg.start();
      tUp = at();
      wallUp = Date.now();
      stopAt = tUp + 20;
    };
    await Promise.all([...users.map((u, i) => contributor(u, i)), poller(), chaos()]);

    // Checks that started once the database was gone and ended before it was started again.
    const during = health.filter((h) => h.start > tGone && h.t < tStarting);
    const firstOk = health.find((h) => h.t > tUp && h.status === 200);
    const firstVote = events.find((e) => e.t > tUp && e.route === 'vote' && (e.status === 201 || e.status === 200));
    const recovered = Math.max(firstOk?.t ?? Infinity, firstVote?.t ?? Infinity);
    const phase = (from: number, to: number) => events.filter((e) => e.start >= from && e.start < to);
    const errors = (list: typeof events) => list.filter((e) => e.status === 0 || e.status >= 500).length;
    const settled = phase(recovered + 2, Infinity);
    const alive = server.child.exitCode === null && server.child.signalCode === null;
    await server.stop();
    server = undefined;
    // What the server logged as the cause of each 500 for requests that started after recovery.
    const causes = serverErrorCauses(path.join(work, 'restart-db.log'), wallUp + (recovered - tUp) * 1000);
    const connectionErrors = [...causes.entries()]
      .filter(([k]) => /ECONNREFUSED|CONNECTION_CLOSED|terminating connection|connect|ENOTFOUND|timeout/i.test(k))
      .reduce((a, [, n]) => a + n, 0);
    await resolveByKey(db.handle, acked);
    const { checks, unacked } = await checkIntegrity(db.handle, acked);
    report.push(
      '| phase (by request start) | seconds | requests | 5xx / network errors |',
      '|---|---:|---:|---:|',
      `| before the stop | ${tDown.toFixed(1)} | ${phase(0, tDown).length} | ${errors(phase(0, tDown))} |`,
      `| database down | ${(tUp - tDown).toFixed(1)} | ${phase(tDown, tUp).length} | ${errors(phase(tDown, tUp))} |`,
      `| back up, until the first good health check and vote | ${(recovered - tUp).toFixed(1)} | ${phase(tUp, recovered).length} | ${errors(phase(tUp, recovered))} |`,
      `| afterwards (from 2 s after recovery) | ${(stopAt - recovered - 2).toFixed(1)} | ${settled.length} | ${errors(settled)} |`,
      '',
      `/api/health while the database was down: ${during.length} checks, ${during.filter((h) => h.status === 503 && h.reachable === false).length} answered 503 with \`database.reachable: false\`, statuses ${[...new Set(during.map((h) => h.status))].join(', ')}; first 200 ${firstOk ? (firstOk.t - tUp).toFixed(1) : '–'} s after the start; web process ${alive ? 'still the same one (no restart)' : 'DIED'}.`,
      '',
      `Server-logged causes of 500s for requests that started after recovery: ${describeCauses(causes)} — ${connectionErrors} of them about the database connection.`,
      '',
      `Acknowledged votes: ${acked.length}; stored without an acknowledgement (client gave up mid-outage): ${unacked}.`,
      '',
      ...checksTable(checks),
      '',
    );
    const ok =
      alive &&
      during.length > 0 &&
      during.every((h) => h.status === 503) &&
      Number.isFinite(recovered) &&
      connectionErrors === 0 &&
      errors(settled) === 0 &&
      checks.every(([, f, e]) => f === e);
    verdict(
      ok,
      `health showed the outage, the same web process served again ${(recovered - tUp).toFixed(1)} s after the database came back, ${errors(settled)} 5xx / network errors from 2 s after recovery (${connectionErrors} logged as connection errors), every acknowledged vote stored once.`,
    );
  } finally {
    await server?.stop();
    await db.drop();
  }
}

// ---------------------------------------------------------------- 3. kill a worker mid-extraction

function startWorker(dbUrl: string, audioDir: string, log: string): ChildProcess {
  const out = fs.openSync(log, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'jobs', 'cli.ts'), 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      CHORUS_AUDIO_DIR: audioDir,
      CHORUS_DEMO: '0',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', out, out],
    detached: true,
  });
  track(child);
  return child;
}

/** A dead worker's job must show retrying or failed in the jobs panel within this many seconds (issue 19 item 4). */
const REAP_LIMIT_S = 60;

interface Reaped {
  seconds: number;
  /** What the jobs panel shows: 'retrying' (queued again after an attempt) or 'failed'. */
  shown: string;
  error: string;
}

/** The killed job's panel row once it no longer says `active` (the sweep of a live worker changed it), else undefined. */
async function reapedRun(handle: DbHandle, jobId: string, killedAt: number): Promise<Reaped | undefined> {
  const [run] = await handle.query<{ state: string; attempts: number; error: string | null }>(
    `select state, attempts, error from job_runs where job_id = $1`,
    [jobId],
  );
  if (!run || run.state === 'active') return undefined;
  return {
    seconds: (performance.now() - killedAt) / 1000,
    shown: run.state === 'queued' && run.attempts > 0 ? 'retrying' : run.state,
    error: run.error ?? '',
  };
}

function describeReaped(r: Reaped | undefined): string {
  return r
    ? `showed **${r.shown}** ${r.seconds.toFixed(1)} s after the kill ("${r.error}")`
    : `still showed **active** at the end`;
}

async function killWorker(pg: Db) {
  section('3. Worker killed (SIGKILL) in the middle of a feature-extraction job');
  const db = await createBenchDb(pg.adminUrl, 'fault_worker');
  const audioDir = path.join(work, 'worker-audio');
  let worker: ChildProcess | undefined;
  let engine: JobEngine | undefined;
  try {
    const CLIPS = 24;
    await seedDemo(db.handle.db, new LocalAudioStore(audioDir), { clips: CLIPS });
    const ids = (await db.handle.query<{ id: string }>(`select id from clips order by priority desc`)).map((r) => r.id);
    engine = new JobEngine(createBoss(db.handle), db.handle);
    await engine.start(ALL_JOBS);
    const jobId = (await engine.enqueue(extractFeaturesJob as JobDefinition<{ clipIds: string[] }>, { clipIds: ids }))!;
    const log = path.join(work, 'kill-worker.log');
    worker = startWorker(db.url, audioDir, log);
    const t0 = performance.now();
    const featureCount = async () =>
      Number((await db.handle.query<{ n: number }>(`select count(distinct clip_id)::int as n from clip_features`))[0].n);
    let progressAtKill = 0;
    for (;;) {
      const [run] = await db.handle.query<{ progress: number; state: string }>(
        `select progress, state from job_runs where job_id = $1`,
        [jobId],
      );
      if (run && run.state === 'active' && run.progress >= 0.25) {
        progressAtKill = run.progress;
        break;
      }
      if (run?.state === 'completed' || performance.now() - t0 > 180_000)
        throw new Error(`the job ${run?.state === 'completed' ? 'finished' : 'did not get going'} before the kill`);
      await sleep(100);
    }
    signalGroup(worker, 'SIGKILL');
    const killedAt = performance.now();
    const doneAtKill = await featureCount();
    await sleep(500);
    worker = startWorker(db.url, audioDir, log);
    let doneAt = NaN;
    let reaped: Reaped | undefined;
    const deadline = killedAt + 300_000;
    while (performance.now() < deadline) {
      reaped ??= await reapedRun(db.handle, jobId, killedAt);
      const [c] = await db.handle.query<{ pending: number }>(
        `select count(*)::int as pending from clips where status = 'pending'`,
      );
      if (Number(c.pending) === 0 && reaped) {
        doneAt = performance.now();
        break;
      }
      await sleep(reaped ? 1000 : 250);
    }
    const [dupes] = await db.handle.query<{ n: number }>(
      `select count(*)::int as n from (select clip_id, extractor_version from clip_features group by 1, 2 having count(*) > 1) d`,
    );
    const [states] = await db.handle.query<{ ready: number; failed: number; features: number }>(
      `select count(*) filter (where status = 'ready')::int as ready, count(*) filter (where status = 'failed')::int as failed, (select count(*)::int from clip_features) as features from clips`,
    );
    const runs = await db.handle.query<{ name: string; state: string; attempts: number; progress: number }>(
      `select name, state, attempts, progress from job_runs order by created_at`,
    );
    const [killedJob] = await db.handle
      .query<{ state: string; retry_count: number }>(`select state, retry_count from pgboss.job where id = $1`, [jobId])
      .catch(() => [{ state: '?', retry_count: -1 }]);
    signalGroup(worker, 'SIGTERM');
    await sleep(2000);
    report.push(
      `- ${CLIPS} demo clips (synthesized WAVs) queued as one extract-features job; the worker was killed at ${Math.round(progressAtKill * 100)} % (${doneAtKill} clips done).`,
      `- a new worker finished the rest ${Number.isFinite(doneAt) ? `${((doneAt - killedAt) / 1000).toFixed(1)} s after the kill` : 'NOT within 5 minutes'}: ${states.ready} ready, ${states.failed} failed, ${states.features} feature rows, ${dupes.n} duplicated (clip, extractor version) rows.`,
      `- job runs afterwards: ${runs.map((r) => `${r.name} ${r.state} (attempt ${r.attempts}, ${Math.round(r.progress * 100)} %)`).join('; ')}.`,
      `- the killed job ${describeReaped(reaped)} (expiry alone would have taken \`expireInSeconds\` = ${extractFeaturesJob.options.expireInSeconds} s); in pg-boss now: \`${killedJob?.state}\` (retry ${killedJob?.retry_count}).`,
      '',
    );
    verdict(
      Number.isFinite(doneAt) &&
        Number(dupes.n) === 0 &&
        Number(states.ready) + Number(states.failed) === CLIPS &&
        !!reaped &&
        reaped.seconds <= REAP_LIMIT_S,
      `extraction resumed on a new worker and finished every clip exactly once; the killed job showed ${reaped?.shown ?? 'nothing'} ${reaped ? `${reaped.seconds.toFixed(1)} s` : 'never'} after the kill (limit ${REAP_LIMIT_S} s).`,
    );
  } finally {
    if (worker) signalGroup(worker, 'SIGKILL');
    await engine?.stop().catch(() => {});
    await db.drop();
  }
}

// ---------------------------------------------------------------- 4. full disk for the audio folder

async function diskFull(pg: Db) {
  section('4. The audio folder on a full filesystem (1 MiB tmpfs)');
  const mountDir = path.join(work, 'audio-tmpfs');
  fs.mkdirSync(mountDir, { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', mountDir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    report.push(`Not run: this machine does not allow mounting a tmpfs (${mounted.stderr.trim()}).`, '');
    return;
  }
  const db = await createBenchDb(pg.adminUrl, 'fault_disk', {
    overlap: 3,
    goldRate: 0,
    newContributorGoldRate: 0,
    targetedQuestionRate: 0,
  });
  let server: WebServer | undefined;
  try {
    await seedClips(db.handle, 500);
    const [admin] = await seedUsers(db.handle, 'admin', 1);
    const users = await seedUsers(db.handle, 'contributor', 5, 'disk');
    server = await startServer({
      databaseUrl: db.url,
      logFile: path.join(work, 'disk-full.log'),
      env: { CHORUS_AUDIO_DIR: mountDir },
    });
    const base = server.base;
    const upload = async (i: number) => {
      const sr = 22050;
      const wav = encodeWav(
        [Float32Array.from({ length: sr * 4 }, (_, k) => 0.3 * Math.sin((2 * Math.PI * (200 + i * 7) * k) / sr))],
        sr,
      ); // ≈ 176 KB
      const form = new FormData();
      form.append('file', new Blob([wav as BlobPart]), `tone-${i}.wav`);
      return timedFetch(`${base}/api/clips`, { method: 'POST', headers: auth(admin.token), body: form });
    };
    const uploads: { status: number; result: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await upload(i);
      const first = (r.body as { results?: { status: string; error?: string }[] })?.results?.[0];
      uploads.push({
        status: r.status,
        result: first ? `${first.status}${first.error ? `: ${first.error}` : ''}` : JSON.stringify(r.body).slice(0, 120),
      });
      if (r.status >= 400) break;
    }
    const rejected = uploads.find((u) => u.status >= 400);
    // Everything else while the disk is full.
    const others: Record<string, number[]> = { 'GET /api/health': [], 'GET /api/queue/next': [], 'POST /api/votes': [] };
    for (const [i, u] of users.entries()) {
      others['GET /api/health'].push((await timedFetch(`${base}/api/health`)).status);
      const next = await timedFetch(`${base}/api/queue/next`, { headers: auth(u.token) });
      others['GET /api/queue/next'].push(next.status);
      const item = leaseOf(next);
      if (item) {
        const v = await timedFetch(`${base}/api/votes`, {
          method: 'POST',
          headers: json(u.token),
          body: JSON.stringify({
            kind: 'vote',
            leaseId: item.lease.id,
            tags: [item.taxonomy.tags[0].key],
            idempotencyKey: `disk-full-${i}`,
          }),
        });
        others['POST /api/votes'].push(v.status);
      }
    }
    const leftovers = spawnSync('find', [mountDir, '-name', '*.part'], { encoding: 'utf8' }).stdout.trim();
    const created = uploads.filter((u) => u.result.startsWith('created')).length;
    const [rows] = await db.handle.query<{ n: number }>(`select count(*)::int as n from clips where title like 'tone-%'`);
    const df = spawnSync('df', ['-k', mountDir], { encoding: 'utf8' }).stdout.trim().split('\n').pop();
    // Room again.
    spawnSync('mount', ['-o', 'remount,size=16m', mountDir]);
    const after = await upload(99);
    const afterResult = (after.body as { results?: { status: string }[] })?.results?.[0]?.status;
    report.push(
      '| upload | HTTP | result |',
      '|---:|---:|---|',
      ...uploads.map((u, i) => `| ${i + 1} | ${u.status} | ${u.result.replace(/\|/g, '\\|')} |`),
      `| after growing the filesystem | ${after.status} | ${afterResult} |`,
      '',
      `While full (${df?.replace(/\s+/g, ' ')}): ${Object.entries(others)
        .map(([k, v]) => `${k} → ${v.join(', ')}`)
        .join('; ')}.`,
      '',
      `Clip rows for uploads: ${rows.n} (uploads answered "created": ${created}); partial files left in the store: ${leftovers ? leftovers.split('\n').length : 0}.`,
      '',
    );
    const ok =
      !!rejected &&
      rejected.status < 500 &&
      /disk space/.test(rejected.result) &&
      Object.values(others).every((v) => v.every((s) => s === 200 || s === 201)) &&
      !leftovers &&
      Number(rows.n) === created &&
      after.status === 201 &&
      afterResult === 'created';
    verdict(
      ok,
      'a full audio folder makes uploads fail with a clear per-file error (no 500, no partial file, no clip row), the rest of the app is unaffected, and uploads work again once there is room.',
    );
  } finally {
    await server?.stop();
    await db.drop();
    spawnSync('umount', [mountDir]);
  }
}

// ---------------------------------------------------------------- 5. two workers racing for a singleton job

/**
 * Votes for the crowd EM: contributors 1…W, clip g voted by `perClip` consecutive contributors;
 * each clip-tag has a hidden truth and each vote flips it with 10 % noise (hash-based, so the
 * same data every run). clips.vote_count is set to match, as the vote path would.
 */
async function seedVotes(handle: DbHandle, clips: number, workers: number, perClip: number): Promise<number> {
  await seedClips(handle, clips);
  await seedUsers(handle, 'contributor', workers, 'em');
  await handle.exec(`
    with c as (select id, row_number() over (order by id) as g from clips),
         u as (select id, row_number() over (order by email) - 1 as n from users where email like 'em-%'),
         v as (select max(version) as version from taxonomy_versions where is_active)
    insert into votes (clip_id, user_id, kind, taxonomy_version, tags, idempotency_key)
    select c.id, u.id, 'vote', v.version,
           coalesce((select array_agg(t.key order by t.key) from tags t
                     where t.taxonomy_version = v.version
                       and ((abs(hashtext(c.id::text || t.key)) % 4 = 0) <> (abs(hashtext(u.id::text || c.id::text || t.key)) % 10 = 0))), '{}'),
           'em-' || c.g || '-' || u.n
    from c cross join v join u on u.n in ((c.g % ${workers}), ((c.g + 1) % ${workers}), ((c.g + 2) % ${workers}), ((c.g + 3) % ${workers}))
    where (u.n - c.g % ${workers} + ${workers}) % ${workers} < ${perClip};
    update clips set vote_count = (select count(*) from votes where votes.clip_id = clips.id);
    analyze votes;`);
  const [n] = await handle.query<{ n: number }>(`select count(*)::int as n from votes`);
  return Number(n.n);
}

/** The crowd EM job (a stately queue: one waiting, one running, per singleton key). */
const EM_JOB = aggregateVotesJob as JobDefinition<{ trigger: 'manual' }>;

async function singletonRace(pg: Db) {
  section('5. Two workers racing for the same singleton job (the crowd EM, `aggregate-votes`)');
  const db = await createBenchDb(pg.adminUrl, 'fault_race', {
    overlap: 3,
    goldRate: 0,
    newContributorGoldRate: 0,
    targetedQuestionRate: 0,
  });
  const workers: ChildProcess[] = [];
  const senders: JobEngine[] = [];
  try {
    const votes = await seedVotes(db.handle, 3000, 30, 3);
    // Two "web processes" that queue the job, and two workers that race for it.
    for (let i = 0; i < 2; i++) {
      const e = new JobEngine(createBoss(db.handle), db.handle);
      await e.start(ALL_JOBS);
      senders.push(e);
    }
    const logs = [0, 1].map((i) => path.join(work, `race-worker-${i}.log`));
    for (const log of logs) workers.push(startWorker(db.url, path.join(work, 'race-audio'), log));
    await waitForLog(logs, /chorus worker: running/, 2, 120_000);
    const [{ n: fitsBefore }] = await db.handle.query<{ n: number }>(`select count(*)::int as n from crowd_fits`);
    let maxActive = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [a] = await db.handle.query<{ runs: number; boss: number }>(
          `select (select count(*)::int from job_runs where name = $1 and state = 'active') as runs,
                  (select count(*)::int from pgboss.job where name = $1 and state = 'active') as boss`,
          [EM_JOB.name],
        );
        maxActive = Math.max(maxActive, Number(a.runs), Number(a.boss));
        await sleep(50);
      }
    })();
    const accepted: string[] = [];
    let refused = 0;
    const ROUNDS = 6;
    for (let round = 0; round < ROUNDS; round++) {
      // Eight requests at once from both senders (a double click on two servers, the schedule, an import).
      const ids = await Promise.all(Array.from({ length: 8 }, (_, k) => senders[k % 2].enqueue(EM_JOB, { trigger: 'manual' })));
      for (const id of ids) if (id) accepted.push(id);
      refused += ids.filter((id) => !id).length;
      await sleep(round % 2 ? 2000 : 300);
    }
    const deadline = performance.now() + 300_000;
    let runs: { job_id: string; state: string; attempts: number }[] = [];
    while (performance.now() < deadline) {
      runs = await db.handle.query(`select job_id, state, attempts from job_runs where name = $1`, [EM_JOB.name]);
      if (accepted.every((id) => runs.some((r) => r.job_id === id && (r.state === 'completed' || r.state === 'failed')))) break;
      await sleep(500);
    }
    sampling = false;
    await sampler;
    const [{ n: fitsAfter }] = await db.handle.query<{ n: number }>(`select count(*)::int as n from crowd_fits`);
    const ran = runs.filter((r) => accepted.includes(r.job_id));
    const once = ran.filter((r) => r.state === 'completed' && Number(r.attempts) === 1).length;
    const foreign = runs.filter((r) => !accepted.includes(r.job_id)).length;
    const refusedFetches = logs.map((l) => (fs.readFileSync(l, 'utf8').match(/job_i3|duplicate key/g) ?? []).length);
    report.push(
      `- ${votes} votes on 3,000 clips; two \`chorus worker\` processes polling; two senders queued the job ${ROUNDS} × 8 times at once: ${accepted.length} accepted, ${refused} refused by the queue policy (one waiting at a time).`,
      `- runs: ${ran.length} of the ${accepted.length} accepted jobs ran, ${once} of them exactly once (completed on the first attempt); most runs active at the same time: **${maxActive}** (sampled every 50 ms, job_runs and pg-boss); runs not queued by the senders (the 10-minute schedule): ${foreign}.`,
      `- crowd fits written: ${Number(fitsAfter) - Number(fitsBefore)} (one per completed run: ${once + foreign}); fetches refused by pg-boss's stately index in the worker logs: ${refusedFetches.join(' and ')}.`,
      '',
    );
    verdict(
      accepted.length > 0 &&
        maxActive <= 1 &&
        once === accepted.length &&
        Number(fitsAfter) - Number(fitsBefore) === once + foreign,
      `two workers raced for ${accepted.length} singleton jobs: each ran exactly once, never two at the same time (max ${maxActive} active), one crowd fit per run.`,
    );
  } finally {
    for (const w of workers) signalGroup(w, 'SIGKILL');
    for (const e of senders) await e.stop().catch(() => {});
    await db.drop();
  }
}

/** Waits until `count` of the log files contain `pattern`. */
async function waitForLog(logs: string[], pattern: RegExp, count: number, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (logs.filter((l) => fs.existsSync(l) && pattern.test(fs.readFileSync(l, 'utf8'))).length < count) {
    if (performance.now() > deadline) throw new Error(`workers did not start within ${ms / 1000} s (${pattern})`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------- 6. the crowd EM job killed mid-batch

async function killEm(pg: Db) {
  section('6. Worker killed (SIGKILL) while the crowd EM job (`aggregate-votes`) writes its batches');
  const db = await createBenchDb(pg.adminUrl, 'fault_em', {
    overlap: 3,
    goldRate: 0,
    newContributorGoldRate: 0,
    targetedQuestionRate: 0,
  });
  let worker: ChildProcess | undefined;
  let engine: JobEngine | undefined;
  try {
    const CLIPS = 30_000;
    const votes = await seedVotes(db.handle, CLIPS, 40, 4);
    const snapshot = async () => {
      const [v] = await db.handle.query<{ n: number; digest: string }>(
        `select count(*)::int as n, md5(string_agg(id::text || array_to_string(tags, ','), '|' order by id)) as digest from votes`,
      );
      return v;
    };
    const votesBefore = await snapshot();
    engine = new JobEngine(createBoss(db.handle), db.handle);
    await engine.start(ALL_JOBS);
    const log = path.join(work, 'kill-em.log');
    const audioDir = path.join(work, 'em-audio');
    worker = startWorker(db.url, audioDir, log);
    const jobId = (await engine.enqueue(EM_JOB, { trigger: 'manual' }))!;
    const t0 = performance.now();
    let atKill = { progress: 0, message: '' };
    for (;;) {
      const [run] = await db.handle.query<{ progress: number; state: string; message: string }>(
        `select progress, state, message from job_runs where job_id = $1`,
        [jobId],
      );
      // 0.7 = "writing posteriors": the clip batches are being written.
      if (run && run.state === 'active' && run.progress >= 0.7) {
        atKill = { progress: run.progress, message: run.message };
        break;
      }
      if (run?.state === 'completed' || performance.now() - t0 > 240_000)
        throw new Error(`the EM job ${run?.state === 'completed' ? 'finished' : 'did not reach its writes'} before the kill`);
      await sleep(50);
    }
    signalGroup(worker, 'SIGKILL');
    const killedAt = performance.now();
    // Fits of manual runs only: the 10-minute schedule may add its own run meanwhile.
    const manualFits = async () =>
      Number((await db.handle.query<{ n: number }>(`select count(*)::int as n from crowd_fits where trigger = 'manual'`))[0].n);
    const fitsAtKill = await manualFits();
    await sleep(500);
    worker = startWorker(db.url, audioDir, log);
    let reaped: Reaped | undefined;
    let done: { state: string; attempts: number } | undefined;
    const deadline = killedAt + 360_000;
    while (performance.now() < deadline) {
      reaped ??= await reapedRun(db.handle, jobId, killedAt);
      const [run] = await db.handle.query<{ state: string; attempts: number }>(
        `select state, attempts from job_runs where job_id = $1`,
        [jobId],
      );
      if (reaped && run && (run.state === 'completed' || (run.state === 'failed' && run.attempts > 1))) {
        done = run;
        break;
      }
      await sleep(reaped ? 1000 : 250);
    }
    const doneS = (performance.now() - killedAt) / 1000;
    signalGroup(worker, 'SIGTERM');
    await sleep(2000);
    const votesAfter = await snapshot();
    const fitsAfter = await manualFits();
    const [agg] = await db.handle.query<{ missing: number; rows: number; stale: number }>(
      `select (select count(*)::int from clips c where c.vote_count > 0 and not exists (select 1 from aggregates a where a.clip_id = c.id)) as missing,
              (select count(*)::int from aggregates) as rows,
              (select count(*)::int from clips c where c.vote_count > 0 and c.label_state = 'open' and c.vote_count >= c.overlap_target and not exists (select 1 from aggregates a where a.clip_id = c.id)) as stale`,
    );
    const [{ n: tagsN }] = await db.handle.query<{ n: number }>(
      `select count(*)::int as n from tags where taxonomy_version = (select max(version) from taxonomy_versions where is_active)`,
    );
    const [pauses] = await db.handle.query<{ dup: number }>(
      `select count(*)::int as dup from (select entity_id from audit_log where action like '%pause%' group by entity_id, action having count(*) > 1) d`,
    );
    const [bossRow] = await db.handle.query<{ state: string; retry_count: number }>(
      `select state, retry_count from pgboss.job where id = $1`,
      [jobId],
    );
    report.push(
      `- ${votes} votes on ${CLIPS.toLocaleString('en-US')} clips by 40 contributors; the worker was killed at ${Math.round(atKill.progress * 100)} % ("${atKill.message}"), crowd fits of manual runs at the kill: ${fitsAtKill}.`,
      `- the killed job ${describeReaped(reaped)}; ${done ? `the retry ${done.state} (attempt ${done.attempts}) ${doneS.toFixed(1)} s after the kill` : 'NO retry finished within 6 minutes'}; pg-boss: \`${bossRow?.state}\` (retry ${bossRow?.retry_count}).`,
      `- votes: ${votesBefore.n} before, ${votesAfter.n} after, content ${votesBefore.digest === votesAfter.digest ? 'identical' : '**CHANGED**'}; crowd fits of manual runs: ${fitsAfter} (must be one: the run that completed); clips with votes and no posteriors: ${agg.missing}; posterior rows ${agg.rows} for ${CLIPS} clips × ${tagsN} tags; contributors paused twice: ${pauses.dup}.`,
      '',
    );
    verdict(
      !!reaped &&
        reaped.seconds <= REAP_LIMIT_S &&
        done?.state === 'completed' &&
        votesBefore.n === votesAfter.n &&
        votesBefore.digest === votesAfter.digest &&
        Number(fitsAfter) === Number(fitsAtKill) + 1 &&
        Number(agg.missing) === 0 &&
        Number(agg.rows) === CLIPS * Number(tagsN) &&
        Number(pauses.dup) === 0,
      `the EM job killed mid-batch showed ${reaped?.shown ?? 'active'} within ${REAP_LIMIT_S} s, its retry completed, no vote lost or changed, exactly one fit for the run, every clip's posteriors written once.`,
    );
  } finally {
    if (worker) signalGroup(worker, 'SIGKILL');
    await engine?.stop().catch(() => {});
    await db.drop();
  }
}

// ---------------------------------------------------------------- 8. latency, then a partition between web and PostgreSQL

/** What a vote request ended with, by when it started (seconds since the scenario began). */
interface Answer {
  start: number;
  end: number;
  route: 'next' | 'vote' | 'health';
  status: number;
  code?: string;
}

const codeOf = (r: { body: unknown }) => (r.body as { error?: { code?: string } } | null)?.error?.code ?? undefined;

async function partition(pg: Db) {
  section('8. Web ↔ PostgreSQL through a TCP proxy: 200 ms round-trip latency for 10 s, then a 10 s partition, then healed');
  const db = await createBenchDb(pg.adminUrl, 'fault_net', {
    overlap: 3,
    goldRate: 0,
    newContributorGoldRate: 0,
    targetedQuestionRate: 0,
  });
  const proxy = await startProxy(Number(new URL(pg.adminUrl).port));
  let server: WebServer | undefined;
  try {
    await seedClips(db.handle, 3000);
    const users = await seedUsers(db.handle, 'contributor', 12);
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    server = await startServer({ databaseUrl: viaProxy.toString(), logFile: path.join(work, 'partition.log') });
    const base = server.base;
    const began = performance.now();
    const at = () => (performance.now() - began) / 1000;
    const answers: Answer[] = [];
    const acked: Acked[] = [];
    const PHASES = { latency: 5, partition: 15, heal: 25, end: 45 };
    const running = () => at() < PHASES.end;
    // A client with patience (30 s): every request gets the server's own answer, none is cut off by the client.
    const call = async (route: Answer['route'], url: string, init: RequestInit = {}) => {
      const start = at();
      const r = await timedFetch(url, { ...init, timeoutMs: 30_000 });
      // A success whose body never arrived within the client's 30 s is recorded as no answer (0).
      const cut = (r.status === 200 || r.status === 201) && r.body === null;
      answers.push({ start, end: at(), route, status: cut ? 0 : r.status, code: codeOf(r) });
      return r;
    };
    const contributor = async (u: { id: string; token: string }, i: number) => {
      let n = 0;
      while (running()) {
        const next = await call('next', `${base}/api/queue/next`, { headers: auth(u.token) });
        const item = leaseOf(next);
        if (!item) {
          await sleep(500);
          continue;
        }
        const body = JSON.stringify({
          kind: 'vote',
          leaseId: item.lease.id,
          tags: [item.taxonomy.tags[n % 5].key],
          idempotencyKey: `partition-${i}-${n++}`,
        });
        // A refused vote (503) is sent again with its key after a pause, as the answer's Retry-After asks.
        while (running()) {
          const v = await call('vote', `${base}/api/votes`, { method: 'POST', headers: json(u.token), body });
          if (v.status === 200 || v.status === 201) {
            acked.push({ userId: u.id, key: JSON.parse(body).idempotencyKey, voteId: voteIdOf(v) ?? '' });
            break;
          }
          if (v.status !== 503) break;
          await sleep(1000);
        }
        await sleep(50);
      }
    };
    const poller = async () => {
      while (running()) {
        await call('health', `${base}/api/health`);
        await sleep(250);
      }
    };
    const chaos = async () => {
      await sleep(PHASES.latency * 1000);
      proxy.set({ kind: 'delay', ms: 100 }); // each way: 200 ms more per round trip
      await sleep((PHASES.partition - PHASES.latency) * 1000);
      proxy.set({ kind: 'partition' });
      await sleep((PHASES.heal - PHASES.partition) * 1000);
      proxy.set({ kind: 'pass' });
    };
    await Promise.all([...users.map((u, i) => contributor(u, i)), poller(), chaos()]);
    const alive = server.child.exitCode === null && server.child.signalCode === null;
    await server.stop();
    server = undefined;

    const started = (from: number, to: number, route?: Answer['route']) =>
      answers.filter((a) => a.start >= from && a.start < to && (!route || a.route === route));
    const ok = (a: Answer) => a.status === 200 || a.status === 201;
    const clear503 = (a: Answer) => a.status === 503 && (a.route === 'health' || a.code === 'UNAVAILABLE');
    const bad = (list: Answer[]) => list.filter((a) => !ok(a) && !clear503(a) && !(a.route === 'next' && a.status === 404));
    const describe = (list: Answer[]) => {
      const by = new Map<string, number>();
      for (const a of list)
        by.set(`${a.status}${a.code ? ` ${a.code}` : ''}`, (by.get(`${a.status}${a.code ? ` ${a.code}` : ''}`) ?? 0) + 1);
      return [...by.entries()].map(([k, n]) => `${n}× ${k}`).join(', ') || '–';
    };
    // Under latency alone: requests that started and ended before the partition.
    const latencyOnly = answers.filter((a) => a.start >= PHASES.latency && a.end < PHASES.partition);
    // Health while partitioned: checks that started 0.5 s in and ended before the heal.
    const healthDuring = answers.filter((a) => a.route === 'health' && a.start >= PHASES.partition + 0.5 && a.end < PHASES.heal);
    const firstOkHealth = answers.find((a) => a.route === 'health' && a.start >= PHASES.heal && a.status === 200);
    const firstOkVote = answers
      .filter((a) => a.route === 'vote' && a.start >= PHASES.heal && ok(a))
      .sort((a, b) => a.end - b.end)[0];
    const recovered = Math.max(firstOkHealth?.end ?? Infinity, firstOkVote?.end ?? Infinity) - PHASES.heal;
    const after = started(PHASES.heal + 5, Infinity);
    const causes = serverErrorCauses(path.join(work, 'partition.log'), 0);
    await resolveByKey(db.handle, acked);
    const { checks, unacked } = await checkIntegrity(db.handle, acked);
    const rows = [
      ['before', 0, PHASES.latency],
      ['200 ms latency', PHASES.latency, PHASES.partition],
      ['partitioned', PHASES.partition, PHASES.heal],
      ['healed, first 5 s', PHASES.heal, PHASES.heal + 5],
      ['healed, afterwards', PHASES.heal + 5, Infinity],
    ] as const;
    report.push(
      '| phase (by request start) | seconds | votes: answers | queue/next: answers | health: answers | neither success nor a clear 503 |',
      '|---|---:|---|---|---|---:|',
      ...rows.map(
        ([name, from, to]) =>
          `| ${name} | ${(Math.min(to, PHASES.end) - from).toFixed(0)} | ${describe(started(from, to, 'vote'))} | ${describe(started(from, to, 'next'))} | ${describe(started(from, to, 'health'))} | ${bad(started(from, to)).length} |`,
      ),
      '',
      `Requests that ran under latency alone: ${latencyOnly.length}, ${describe(latencyOnly)}. /api/health while partitioned: ${healthDuring.length} checks, statuses ${describe(healthDuring)}; after the heal the first good health check and vote came ${recovered.toFixed(1)} s later; web process ${alive ? 'the same one throughout' : 'DIED'}; proxy connections accepted: ${proxy.accepted}.`,
      '',
      `Server-logged causes (500s and database-unavailable 503s): ${describeCauses(causes)}.`,
      '',
      `Acknowledged votes: ${acked.length}; votes stored without an acknowledgement: ${unacked} (a refused vote must not be stored).`,
      '',
      ...checksTable(checks),
      '',
    );
    verdict(
      alive &&
        bad(answers).length === 0 &&
        latencyOnly.length > 0 &&
        latencyOnly.every(ok) &&
        healthDuring.length > 0 &&
        healthDuring.every((a) => a.status === 503) &&
        recovered <= 5 &&
        after.length > 0 &&
        after.every(ok) &&
        unacked === 0 &&
        checks.every(([, f, e]) => f === e),
      `under 200 ms latency every request succeeded; while partitioned every answer was a success or a clear 503 and health said 503; ${recovered.toFixed(1)} s after the heal requests succeeded again (limit 5 s) and all of them from 5 s on; every acknowledged vote stored once, no refused vote stored.`,
    );
  } finally {
    await server?.stop();
    await proxy.close();
    await db.drop();
  }
}

// ---------------------------------------------------------------- 9. a corrupt ONNX file at promotion time

async function corruptOnnx(pg: Db) {
  section('9. A corrupt ONNX file at promotion time, in the running app');
  const db = await createBenchDb(pg.adminUrl, 'fault_onnx', { modelKind: 'both', trainEpochs: 30 });
  let server: WebServer | undefined;
  try {
    await buildTestCatalog(db.handle.db, { n: 150 });
    const first = await retrain(db.handle.db, { trigger: 'bench', kinds: ['logistic', 'mlp'] });
    const activeId = first.candidateId;
    const victimId = first.models.map((m) => m.id).find((id) => id !== activeId)!;
    await rescoreCatalog(db.handle.db);
    const [engineer] = await seedUsers(db.handle, 'engineer', 1);
    server = await startServer({ databaseUrl: db.url, logFile: path.join(work, 'corrupt-onnx.log') });
    const base = server.base;
    const served = async () => {
      const [p] = await db.handle.query<{ n: number; models: string; digest: string }>(
        `select count(*)::int as n, string_agg(distinct model_id::text, ',') as models, md5(string_agg(clip_id::text || probs::text, '|' order by clip_id)) as digest from predictions`,
      );
      const list = await timedFetch(`${base}/api/models`, { headers: auth(engineer.token) });
      const models = ((list.body as { models?: { id: number; status: string }[] })?.models ?? [])
        .map((m) => `${m.id}:${m.status}`)
        .sort()
        .join(' ');
      const [{ n: rescores }] = await db.handle.query<{ n: number }>(
        `select count(*)::int as n from job_runs where name = 'rescore'`,
      );
      const [{ n: audits }] = await db.handle.query<{ n: number }>(
        `select count(*)::int as n from audit_log where action in ('model.promote', 'model.rollback')`,
      );
      return {
        predictions: `${p.n} rows of model ${p.models}, ${String(p.digest).slice(0, 8)}`,
        models,
        rescores: Number(rescores),
        audits: Number(audits),
      };
    };
    const baseline = await served();
    const good = (await getModel(db.handle.db, victimId)).onnx!;
    const sha = (b: Uint8Array) => onnxSha256(b);
    const flipped = Uint8Array.from(good);
    flipped[flipped.length >> 1] ^= 0xff;
    const garbage = Uint8Array.from({ length: good.length }, (_, i) => (i * 7919) & 0xff);
    const cases: { name: string; apply: () => Promise<void> }[] = [
      { name: 'one byte flipped, registered sha256 kept', apply: () => setModelOnnx(db.handle.db, victimId, flipped) },
      {
        name: 'one byte flipped, sha256 re-registered to match',
        apply: () => setModelOnnx(db.handle.db, victimId, flipped, sha(flipped)),
      },
      {
        name: 'truncated to half, sha256 re-registered',
        apply: () =>
          setModelOnnx(db.handle.db, victimId, good.subarray(0, good.length >> 1), sha(good.subarray(0, good.length >> 1))),
      },
      { name: 'not ONNX at all, sha256 re-registered', apply: () => setModelOnnx(db.handle.db, victimId, garbage, sha(garbage)) },
    ];
    const rows = [
      '| corruption | HTTP | error | active model, registry, predictions, rescores, audits unchanged |',
      '|---|---:|---|---|',
    ];
    let allRefused = true;
    for (const c of cases) {
      await c.apply();
      const r = await timedFetch(`${base}/api/models/${victimId}/promote`, {
        method: 'POST',
        headers: json(engineer.token),
        body: '{}',
      });
      const now = await served();
      const same = JSON.stringify(now) === JSON.stringify(baseline);
      const message = (r.body as { error?: { message?: string } })?.error?.message ?? JSON.stringify(r.body).slice(0, 100);
      allRefused &&= r.status === 422 && /corrupted|refused/.test(message) && same;
      rows.push(
        `| ${c.name} | ${r.status} | ${message.replace(/\|/g, '\\|').slice(0, 140)} | ${same ? 'yes' : `**NO**: ${JSON.stringify(now)}`} |`,
      );
    }
    // The active model still serves: a rescore (what the job runs) scores with it and writes its predictions.
    const rescore = await rescoreCatalog(db.handle.db).then(
      () => 'ok',
      (e: Error) => e.message,
    );
    const [{ models: afterRescore }] = await db.handle.query<{ models: string }>(
      `select string_agg(distinct model_id::text, ',') as models from predictions`,
    );
    // The same model, intact again, is promoted (the guard refuses corrupt files, not promotions); then the old one is corrupted and a rollback to it is refused.
    await setModelOnnx(db.handle.db, victimId, good, sha(good));
    const promoted = await timedFetch(`${base}/api/models/${victimId}/promote`, {
      method: 'POST',
      headers: json(engineer.token),
      body: '{}',
    });
    const activeGood = (await getModel(db.handle.db, activeId)).onnx!;
    const broken = Uint8Array.from(activeGood);
    broken[broken.length >> 1] ^= 0xff;
    await setModelOnnx(db.handle.db, activeId, broken, sha(broken));
    const rollback = await timedFetch(`${base}/api/models/rollback`, {
      method: 'POST',
      headers: json(engineer.token),
      body: '{}',
    });
    const [afterRollback] = await db.handle.query<{ id: number }>(`select id from models where status = 'active'`);
    report.push(
      `- models: ${first.models.map((m) => `${m.id} (${m.kind})`).join(', ')}; active ${activeId}, promotion target ${victimId}; before: ${baseline.models}; predictions ${baseline.predictions}.`,
      '',
      ...rows,
      '',
      `- after the refused promotions a rescore with the active model: ${rescore}, predictions now of model ${afterRescore}.`,
      `- model ${victimId} with its intact file again: promotion answered ${promoted.status}; then model ${activeId}'s file corrupted and a rollback to it answered ${rollback.status} (${String((rollback.body as { error?: { message?: string } })?.error?.message ?? '').slice(0, 120)}); active afterwards: ${afterRollback?.id}.`,
      '',
    );
    verdict(
      allRefused &&
        rescore === 'ok' &&
        afterRescore === String(activeId) &&
        promoted.status === 200 &&
        rollback.status === 422 &&
        Number(afterRollback?.id) === victimId,
      'every corrupt file was refused at promotion with a clear 422, the previous active model kept serving (registry, predictions and its rescore unchanged, no rescore queued, no audit row), nothing half-switched; an intact file is promoted and a rollback to a corrupted model is refused.',
    );
  } finally {
    await server?.stop();
    await db.drop();
  }
}

// ---------------------------------------------------------------- 10. the database's disk nearly full

async function dbDiskFull(pg: Db) {
  if (!pg.kill) {
    section('10. The database disk full');
    report.push('Not run: only on the private instance (no tablespace is created on the machine’s shared cluster).', '');
    return;
  }
  section('10. The database disk full: the votes table and its indexes in a tablespace on a 16 MiB tmpfs, filled up');
  // A tablespace rather than the whole data folder: with the WAL on a full disk PostgreSQL stops
  // (PANIC) instead of refusing one statement, which is a restart scenario (kill-db), not this one.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-fault-ts-'));
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim();
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim();
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=16m,mode=0700,uid=${uid},gid=${gid}`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs for the tablespace: ${mounted.stderr.trim()}`);
  }
  const space = `fault_small_${Date.now()}`;
  const admin = postgres(pg.adminUrl, { max: 1, onnotice: () => {} });
  let db: Awaited<ReturnType<typeof createBenchDb>> | undefined;
  let server: WebServer | undefined;
  try {
    await admin.unsafe(`create tablespace ${space} location '${dir}'`);
    db = await createBenchDb(pg.adminUrl, 'fault_dbdisk', {
      overlap: 3,
      goldRate: 0,
      newContributorGoldRate: 0,
      targetedQuestionRate: 0,
    });
    const handle = db.handle;
    await seedClips(handle, 2000);
    const users = await seedUsers(handle, 'contributor', 10);
    await handle.exec(`alter table votes set tablespace ${space}`);
    for (const { indexname } of await handle.query<{ indexname: string }>(
      `select indexname from pg_indexes where tablename = 'votes'`,
    )) {
      await handle.exec(`alter index "${indexname}" set tablespace ${space}`);
    }
    // Fill the tablespace with 1 MiB rows of incompressible bytes until PostgreSQL refuses (53100).
    await handle.exec(
      `create table fault_filler (b bytea) tablespace ${space}; alter table fault_filler alter column b set storage external`,
    );
    let fillError = '';
    for (let i = 0; i < 64 && !fillError; i++) {
      await handle
        .exec(
          `insert into fault_filler select decode(string_agg(md5(random()::text || g::text), ''), 'hex') from generate_series(1, 65536) g`,
        )
        .catch((e: { code?: string; message?: string }) => {
          fillError = `${e.code}: ${e.message}`;
        });
    }
    if (!/^53100/.test(fillError))
      throw new Error(`the tablespace did not fill up as expected: ${fillError || 'no error after 64 MiB'}`);
    const df = spawnSync('df', ['-k', dir], { encoding: 'utf8' }).stdout.trim().split('\n').pop()?.replace(/\s+/g, ' ');
    server = await startServer({ databaseUrl: db.url, logFile: path.join(work, 'db-disk-full.log') });
    const base = server.base;
    const began = performance.now();
    const at = () => (performance.now() - began) / 1000;
    const answers: Answer[] = [];
    const acked: Acked[] = [];
    let freedAt = Infinity;
    let stopAt = 60;
    const running = () => at() < stopAt;
    const call = async (route: Answer['route'], url: string, init: RequestInit = {}) => {
      const start = at();
      const r = await timedFetch(url, { ...init, timeoutMs: 30_000 });
      // A success whose body never arrived within the client's 30 s is recorded as no answer (0).
      const cut = (r.status === 200 || r.status === 201) && r.body === null;
      answers.push({ start, end: at(), route, status: cut ? 0 : r.status, code: codeOf(r) });
      return r;
    };
    const refusedMessages = new Set<string>();
    const contributor = async (u: { id: string; token: string }, i: number) => {
      let n = 0;
      while (running()) {
        const next = await call('next', `${base}/api/queue/next`, { headers: auth(u.token) });
        const item = leaseOf(next);
        if (!item) {
          await sleep(500);
          continue;
        }
        const body = JSON.stringify({
          kind: 'vote',
          leaseId: item.lease.id,
          tags: [item.taxonomy.tags[n % 5].key],
          idempotencyKey: `dbdisk-${i}-${n++}`,
        });
        while (running()) {
          const v = await call('vote', `${base}/api/votes`, { method: 'POST', headers: json(u.token), body });
          if (v.status === 200 || v.status === 201) {
            acked.push({ userId: u.id, key: JSON.parse(body).idempotencyKey, voteId: voteIdOf(v) ?? '' });
            break;
          }
          if (v.status !== 503) break;
          refusedMessages.add((v.body as { error?: { message?: string } })?.error?.message ?? '');
          await sleep(500);
        }
        await sleep(20);
      }
    };
    const poller = async () => {
      while (running()) {
        await call('health', `${base}/api/health`);
        await sleep(500);
      }
    };
    // Frees the space once votes have been refused for a while (or after 30 s, a failure below).
    const freer = async () => {
      while (at() < 30 && answers.filter((a) => a.route === 'vote' && a.status === 503).length < 20) await sleep(200);
      await sleep(2000);
      await handle.exec('drop table fault_filler');
      freedAt = at();
      stopAt = freedAt + 15;
    };
    await Promise.all([...users.map((u, i) => contributor(u, i)), poller(), freer()]);
    const alive = server.child.exitCode === null && server.child.signalCode === null;
    await server.stop();
    server = undefined;
    const ok = (a: Answer) => a.status === 200 || a.status === 201;
    const votesFull = answers.filter((a) => a.route === 'vote' && a.start < freedAt);
    const refused = votesFull.filter((a) => a.status === 503 && a.code === 'UNAVAILABLE');
    const other = answers.filter(
      (a) =>
        !ok(a) &&
        !(a.status === 503 && a.code === 'UNAVAILABLE' && a.route === 'vote') &&
        !(a.route === 'next' && a.status === 404),
    );
    const firstAfter = answers.filter((a) => a.route === 'vote' && a.start >= freedAt && ok(a)).sort((a, b) => a.end - b.end)[0];
    const settled = answers.filter((a) => a.start >= freedAt + 2);
    const causes = serverErrorCauses(path.join(work, 'db-disk-full.log'), 0);
    await resolveByKey(handle, acked);
    const { checks, unacked } = await checkIntegrity(handle, acked);
    const describe = (list: Answer[]) => {
      const by = new Map<string, number>();
      for (const a of list)
        by.set(`${a.status}${a.code ? ` ${a.code}` : ''}`, (by.get(`${a.status}${a.code ? ` ${a.code}` : ''}`) ?? 0) + 1);
      return [...by.entries()].map(([k, c]) => `${c}× ${k}`).join(', ') || '–';
    };
    report.push(
      `- tablespace full (${fillError.slice(0, 110)}; df: ${df}).`,
      '',
      '| phase (by request start) | votes | queue/next | health |',
      '|---|---|---|---|',
      `| disk full (${freedAt.toFixed(1)} s) | ${describe(votesFull)} | ${describe(answers.filter((a) => a.route === 'next' && a.start < freedAt))} | ${describe(answers.filter((a) => a.route === 'health' && a.start < freedAt))} |`,
      `| space freed (${(stopAt - freedAt).toFixed(1)} s) | ${describe(answers.filter((a) => a.route === 'vote' && a.start >= freedAt))} | ${describe(answers.filter((a) => a.route === 'next' && a.start >= freedAt))} | ${describe(answers.filter((a) => a.route === 'health' && a.start >= freedAt))} |`,
      '',
      `Refusals said: ${[...refusedMessages].map((m) => `“${m}”`).join('; ') || '–'}. First vote stored ${firstAfter ? (firstAfter.end - freedAt).toFixed(1) : '–'} s after the space was freed; web process ${alive ? 'the same one throughout' : 'DIED'}; server-logged causes: ${describeCauses(causes)}.`,
      '',
      `Acknowledged votes: ${acked.length}; votes stored without an acknowledgement: ${unacked} (a refused vote must not be stored).`,
      '',
      ...checksTable(checks),
      '',
    );
    verdict(
      alive &&
        refused.length > 0 &&
        other.length === 0 &&
        [...refusedMessages].every((m) => /out of disk space; nothing was saved/.test(m)) &&
        !!firstAfter &&
        firstAfter.end - freedAt <= 5 &&
        settled.length > 0 &&
        settled.every(ok) &&
        unacked === 0 &&
        checks.every(([, f, e]) => f === e),
      `with the votes' tablespace full, ${refused.length} votes were refused with a clear 503 (out of disk space, nothing saved) and nothing else failed; nothing half-written; voting worked again ${firstAfter ? (firstAfter.end - freedAt).toFixed(1) : 'never'} s after the space was freed.`,
    );
  } finally {
    await server?.stop();
    await db?.drop();
    await admin.unsafe(`drop tablespace if exists ${space}`).catch(() => {});
    await admin.end();
    if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

async function main() {
  ensureBuild(values.build as 'auto' | 'always' | 'never');
  let cluster: PgCluster | undefined;
  let pg: Db;
  if (values['shared-cluster']) {
    const ctl = async (verb: string) => {
      const r = await runAsync('pg_ctlcluster', [
        '--skip-systemctl-redirect',
        '15',
        'main',
        verb,
        ...(verb === 'stop' ? ['-m', 'fast'] : []),
      ]);
      if (!r.ok) throw new Error(`pg_ctlcluster ${verb}: ${r.out}`);
    };
    pg = {
      adminUrl: DEFAULT_ADMIN_URL,
      stop: () => ctl('stop'),
      start: () => ctl('start'),
      label: 'the machine’s cluster, pg_ctlcluster 15 main stop/start',
    };
  } else {
    cluster = createPrivateCluster(await freePort());
    pg = {
      adminUrl: cluster.adminUrl,
      stop: () => cluster!.stop(),
      kill: () => cluster!.kill(),
      start: () => cluster!.start(),
      label: `a private PostgreSQL 15 instance on port ${cluster.port}, pg_ctl stop -m fast (or SIGKILL) / start`,
    };
  }
  const started = new Date();
  const scenarios: [string, (pg: Db) => Promise<void>][] = [
    ['kill-web', killWeb],
    ['restart-db', restartDb],
    ['kill-worker', killWorker],
    ['disk-full', diskFull],
    ['singleton-race', singletonRace],
    ['kill-em', killEm],
    ['kill-db', (pg: Db) => restartDb(pg, 'kill')],
    ['partition', partition],
    ['corrupt-onnx', corruptOnnx],
    ['db-disk-full', dbDiskFull],
  ];
  const out = values.out!;
  const header = '# Fault suite results\n\nWritten by `npm run bench:fault` (bench/fault/run.ts); newest run first.\n\n';
  const previous = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').replace(header, '') : '';
  // Written after every scenario, so a long --repeat run that is stopped keeps what it measured.
  const write = (done: boolean) => {
    const summary = [
      '| scenario | runs passed | failures (first reason) |',
      '|---|---:|---|',
      ...[...tally.entries()].map(
        ([name, t]) =>
          `| ${name} | ${t.pass} of ${t.pass + t.fail} | ${t.reasons[0]?.replace(/\|/g, '\\|').replace(/\n/g, ' ') ?? '–'} |`,
      ),
      '',
    ];
    const text = [
      `## Run of ${started.toISOString()}${done ? '' : ' (in progress)'}`,
      '',
      `- command: \`npm run bench:fault -- --only ${[...ONLY].join(',')}${REPEAT > 1 ? ` --repeat ${REPEAT}` : ''}${values['shared-cluster'] ? ' --shared-cluster' : ''}\``,
      `- machine: ${machine()}`,
      `- database: ${pg.label}; web: production build, \`next start\` on 127.0.0.1`,
      '',
      ...summary,
      ...report,
      done ? (failures ? `**${failures} scenario(s) failed.**` : 'All scenarios passed.') : '',
      '',
    ].join('\n');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, header + text + '\n' + previous);
    return text;
  };
  try {
    for (let pass = 1; pass <= REPEAT; pass++) {
      if (REPEAT > 1) report.push(`## Pass ${pass} of ${REPEAT}`, '');
      for (const [name, run] of scenarios) {
        if (!ONLY.has(name)) continue;
        currentScenario = name;
        const t = tally.get(name) ?? { pass: 0, fail: 0, reasons: [] };
        tally.set(name, t);
        const before = t.fail;
        await runBounded(name, () => run(pg)).catch((e) => fail(name, e));
        if (t.fail === before) t.pass++;
        else if (t.fail > before + 1) t.fail = before + 1; // one failed scenario run, however many verdicts failed in it
        write(false);
      }
    }
  } finally {
    cluster?.destroy();
  }
  console.log(write(true));
  console.error(`fault: written to ${out}; logs in ${work}`);
  process.exitCode = failures ? 1 : 0;
}

/** Runs a scenario with a time limit: one that cannot finish is a failure with its reason, and the suite goes on. */
async function runBounded(name: string, run: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not finish within ${SCENARIO_MS / 60_000} min`)), SCENARIO_MS);
  });
  try {
    await Promise.race([run(), limit]);
  } finally {
    clearTimeout(timer);
  }
}

function fail(name: string, err: unknown) {
  failures++;
  scenarioFailed(`could not complete: ${(err as Error)?.message ?? String(err)}`);
  report.push(
    `**FAIL** — ${name} could not complete: ${(err as Error)?.stack?.split('\n').slice(0, 4).join(' ') ?? String(err)}`,
    '',
  );
  console.error(err);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
