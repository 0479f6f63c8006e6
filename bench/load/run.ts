/**
 * Load suite: the production build (`next build`, then `next start` on 127.0.0.1) on real
 * PostgreSQL, a throwaway database with a 100,000-clip catalog, and 200 simulated
 * contributors each doing "next clip → vote" in a loop over HTTP with their own API token,
 * while an engineer streams the JSONL export and a scraper reads /api/metrics. Then a short
 * autocannon run on one cheap authenticated route for the raw throughput of the route wrapper.
 *
 *   npm run bench:load -- [--clips 100000] [--contributors 200] [--seconds 60] [--max-requests 400000]
 *                         [--autocannon-seconds 10] [--build auto|always|never] [--url postgres://…] [--keep-db]
 *                         [--think-ms 0] [--web 1] [--workers 0]
 *
 * --think-ms T: open-loop mode. Each contributor listens for T ms (±25 %, so they do not march in
 *   step) between receiving a clip and answering it, as a person does; 200 contributors at
 *   T = 2000 offer about 100 answers/s whatever the server's latency, so the latencies are those
 *   of a realistic load, not of saturation (T = 0, the default, is the closed saturating loop).
 * --web N: N `next start` processes on N ports against the one database; contributor i talks to
 *   process i mod N (what a round-robin reverse proxy does; sessions and tokens work on any).
 * --workers M: M `chorus worker` processes (pg-boss) beside the web processes.
 *
 * Afterwards it checks from the database that every acknowledged vote is stored exactly once,
 * no clip went past its overlap, no lease is held twice, and the server's own latency histogram
 * counted the same requests the clients sent; figures go to bench/results/load.md.
 *
 * Why a custom client for the contributors and not autocannon: each simulated person needs
 * their own token and the lease id from the previous answer, and autocannon resets a
 * connection's context whenever its request sequence restarts; per-route p50/p99 also need
 * per-request timing, which autocannon only reports in aggregate.
 */
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import {
  checkIntegrity,
  checksTable,
  createBenchDb,
  DEFAULT_ADMIN_URL,
  ensureBuild,
  fmt,
  machine,
  promSamples,
  seedClips,
  seedUsers,
  ROOT,
  signalGroup,
  sleep,
  startServer,
  track,
  summarize,
  timedFetch,
  type Timed,
} from './harness';

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: '100000' },
    contributors: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '60' },
    'max-requests': { type: 'string', default: '400000' },
    'autocannon-seconds': { type: 'string', default: '10' },
    build: { type: 'string', default: 'auto' },
    url: { type: 'string', default: DEFAULT_ADMIN_URL },
    out: { type: 'string', default: path.join('bench', 'results', 'load.md') },
    'keep-db': { type: 'boolean', default: false },
    'think-ms': { type: 'string', default: '0' },
    web: { type: 'string', default: '1' },
    workers: { type: 'string', default: '0' },
  },
});
const THINK_MS = Math.max(0, Number(values['think-ms']));
const WEB = Math.max(1, Math.min(8, Number(values.web)));
const WORKERS = Math.max(0, Math.min(8, Number(values.workers)));
const CLIPS = Number(values.clips);
const USERS = Number(values.contributors);
const SECONDS = Math.min(600, Number(values.seconds));
const MAX_REQUESTS = Number(values['max-requests']);
const AC_SECONDS = Math.min(60, Number(values['autocannon-seconds']));
const GOLD = 20;

type Route = 'GET /api/queue/next' | 'POST /api/votes' | 'GET /api/export/jsonl' | 'GET /api/metrics' | 'POST /api/leases/[id]/release';

/** A `chorus worker` process (pg-boss) on the bench database, in its own process group. */
function startWorker(databaseUrl: string, log: string): ChildProcess {
  const out = fs.openSync(log, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'jobs', 'cli.ts'), 'worker'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, CHORUS_DEMO: '0', LOG_LEVEL: 'info', NODE_ENV: 'production' },
    stdio: ['ignore', out, out],
    detached: true,
  });
  track(child);
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGTERM');
  const t = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

/** autocannon bounded in time (its `duration`) and in count (stopped after `max` responses). */
function runAutocannon(url: string, tokens: readonly string[], seconds: number, max: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    let i = 0;
    let n = 0;
    const instance = autocannon(
      {
        url,
        connections: 50,
        duration: seconds,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[i++ % tokens.length]}` } }) }],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('response', () => {
      if (++n >= max) instance.stop();
    });
  });
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-load-'));
  ensureBuild(values.build as 'auto' | 'always' | 'never');
  console.error(`bench: creating a throwaway database with ${CLIPS} clips…`);
  // The simulated contributors answer at random: with qualification on (the default, 5 gold clips
  // when the catalog has them) every one failed their round and was paused, and the run measured
  // 403s (2026-12-06: 7,623 of 8,841 next requests). The suite measures the labeling path's
  // throughput, so qualification is off and the automatic pauses are held off too (no too-fast or
  // same-answer judgement before 1000 answers, no reliability or gold floor).
  const db = await createBenchDb(values.url!, 'load', {
    qualificationClips: 0,
    overlap: 3,
    goldRate: 0.05,
    newContributorGoldRate: 0.05,
    maxActiveLeases: 3,
    spamMinAnswers: 1000,
    spamReliabilityFloor: 0,
    spamGoldAccuracyFloor: 0,
  });
  const servers: Awaited<ReturnType<typeof startServer>>[] = [];
  const workers: ChildProcess[] = [];
  const stopAll = async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    await Promise.all(workers.splice(0).map((w) => stopWorker(w)));
  };
  try {
    const t0 = performance.now();
    await seedClips(db.handle, CLIPS, GOLD);
    const contributors = await seedUsers(db.handle, 'contributor', USERS);
    const [engineer] = await seedUsers(db.handle, 'engineer', 1);
    console.error(`bench: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s; starting ${WEB} × next start and ${WORKERS} × chorus worker…`);
    // One at a time: each runs the (idempotent, advisory-locked) migrations at start.
    for (let i = 0; i < WEB; i++) servers.push(await startServer({ databaseUrl: db.url, logFile: path.join(work, `server-${i}.log`) }));
    for (let i = 0; i < WORKERS; i++) workers.push(startWorker(db.url, path.join(work, `worker-${i}.log`)));
    const base = servers[0].base;
    const baseFor = (index: number) => servers[index % servers.length].base;
    const auth = (token: string) => ({ authorization: `Bearer ${token}` });

    // Warm-up: every route once on every process, so compilation of lazily loaded chunks is not measured.
    for (const s of servers) {
      for (const u of contributors.slice(0, 3)) await timedFetch(`${s.base}/api/queue/next`, { headers: auth(u.token) });
      await timedFetch(`${s.base}/api/metrics`, { headers: auth(engineer.token) });
    }

    const latency = new Map<Route, number[]>();
    const statuses = new Map<string, number>();
    const note = (route: Route, r: Timed) => {
      if (!latency.has(route)) latency.set(route, []);
      latency.get(route)!.push(r.ms);
      const key = `${route} ${r.status || r.error}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    };
    const acked: { userId: string; key: string; voteId: string }[] = [];
    let sent = 0;
    let retriedVotes = 0;
    const deadline = performance.now() + SECONDS * 1000;
    const running = () => performance.now() < deadline && sent < MAX_REQUESTS;
    const started = performance.now();

    const contributor = async (u: { id: string; token: string }, index: number) => {
      const base = baseFor(index);
      let n = 0;
      // Open loop: start at a random point of the first listening period, not all at once.
      if (THINK_MS > 0) await sleep(Math.random() * THINK_MS);
      while (running()) {
        sent++;
        const next = await timedFetch(`${base}/api/queue/next`, { headers: auth(u.token) });
        note('GET /api/queue/next', next);
        if (next.status === 204) return; // nothing left for this person (an empty queue answers 204)
        if (next.status === 429) {
          await sleep(1000 * Number(next.headers?.get('retry-after') ?? 1));
          continue;
        }
        if (next.status !== 200) {
          await sleep(100);
          continue;
        }
        const item = next.body as { lease: { id: string }; taxonomy: { tags: { key: string }[] }; question: { tag: string } | null };
        const tags = item.taxonomy.tags;
        const key = `load-${index}-${n++}`;
        if (THINK_MS > 0) {
          // Listening to the clip before answering (±25 %).
          await sleep(THINK_MS * (0.75 + Math.random() / 2));
          if (!running()) break;
        }
        // Mostly votes of one to three moods; now and then a skip or a release, as people do.
        const r = Math.random();
        if (r < 0.03) {
          sent++;
          note('POST /api/leases/[id]/release', await timedFetch(`${base}/api/leases/${item.lease.id}/release`, { method: 'POST', headers: auth(u.token) }));
          continue;
        }
        const body = item.question
          ? { kind: 'targeted', leaseId: item.lease.id, answer: Math.random() < 0.5, idempotencyKey: key }
          : r < 0.08
            ? { kind: 'skip', leaseId: item.lease.id, idempotencyKey: key }
            : {
                kind: 'vote',
                leaseId: item.lease.id,
                tags: [...new Set([0, 1, 2].slice(0, 1 + Math.floor(Math.random() * 3)).map(() => tags[Math.floor(Math.random() * tags.length)].key))],
                idempotencyKey: key,
                listenedMs: 4000,
              };
        for (let attempt = 0; attempt < 3; attempt++) {
          sent++;
          const v = await timedFetch(`${base}/api/votes`, { method: 'POST', headers: { ...auth(u.token), 'content-type': 'application/json' }, body: JSON.stringify(body) });
          note('POST /api/votes', v);
          if (v.status === 201 || v.status === 200) {
            acked.push({ userId: u.id, key, voteId: (v.body as { voteId: string }).voteId });
            break;
          }
          if (v.status === 429) {
            await sleep(1000 * Number(v.headers?.get('retry-after') ?? 1));
            retriedVotes++;
            continue;
          }
          if (v.status === 0 || v.status >= 500) {
            // Unknown outcome: retry with the same idempotency key, as the labeler does.
            retriedVotes++;
            continue;
          }
          break;
        }
      }
    };

    const exports: { ms: number; bytes: number; status: number }[] = [];
    const exporter = async () => {
      while (running()) {
        const r = await timedFetch(`${base}/api/export/jsonl`, { headers: auth(engineer.token), timeoutMs: 120_000 });
        note('GET /api/export/jsonl', r);
        exports.push({ ms: r.ms, bytes: typeof r.body === 'string' ? r.body.length : 0, status: r.status });
        await sleep(5000);
      }
    };
    const scraper = async () => {
      while (running()) {
        note('GET /api/metrics', await timedFetch(`${base}/api/metrics`, { headers: auth(engineer.token) }));
        await sleep(5000);
      }
    };
    console.error(`bench: ${USERS} contributors for up to ${SECONDS} s…`);
    await Promise.all([...contributors.map((u, i) => contributor(u, i)), exporter(), scraper()]);
    const elapsed = (performance.now() - started) / 1000;

    // The servers' own view, before they stop (each process counts its own requests).
    const metricsTexts: string[] = [];
    for (const s of servers) metricsTexts.push(String((await timedFetch(`${s.base}/api/metrics`, { headers: auth(engineer.token) })).body));

    // Raw throughput of the route wrapper (token lookup, role check, metrics, log line) on a cheap
    // route: once with a token per request drawn from all contributors, once with one shared
    // token (a scraper or a CI pipeline), which shows what the per-request token write costs.
    const ac: { label: string; result: autocannon.Result }[] = [];
    if (AC_SECONDS > 0) {
      for (const [label, pool] of [
        [`${USERS} tokens in turn`, contributors.map((u) => u.token)],
        ['one shared token', [contributors[0].token]],
      ] as const) {
        console.error(`bench: autocannon GET /api/taxonomy, ${label}, ${AC_SECONDS} s…`);
        ac.push({ label, result: await runAutocannon(`${base}/api/taxonomy`, pool, AC_SECONDS, 100_000) });
      }
    }
    await stopAll();

    // ---- checks from the database
    const { checks, unacked } = await checkIntegrity(db.handle, acked);

    // Server-side histogram counts per route against what the clients sent.
    const serverCounts = new Map<string, number>();
    for (const s of metricsTexts.flatMap((text) => promSamples(text, 'chorus_http_request_duration_seconds_count'))) {
      const k = `${s.labels.method} ${s.labels.route}`;
      serverCounts.set(k, (serverCounts.get(k) ?? 0) + s.value);
    }

    // ---- report
    const routes = [...latency.keys()].sort();
    const lines: string[] = [];
    const date = new Date().toISOString();
    lines.push(`## Run of ${date}`, '');
    const extra = `${THINK_MS ? ` --think-ms ${THINK_MS}` : ''}${WEB > 1 ? ` --web ${WEB}` : ''}${WORKERS ? ` --workers ${WORKERS}` : ''}`;
    lines.push(`- command: \`npm run bench:load -- --clips ${CLIPS} --contributors ${USERS} --seconds ${SECONDS}${extra}\``);
    lines.push(`- machine: ${machine()}`);
    lines.push(
      `- setup: production build (${WEB === 1 ? '`next start`, one process' : `${WEB} \`next start\` processes on ${WEB} ports, contributors spread round-robin`}, 20 database connections each; ${WORKERS} \`chorus worker\` process(es)), PostgreSQL on loopback, throwaway database; ${CLIPS.toLocaleString('en')} clips (${GOLD} gold, gold rate 5 %, overlap 3), ${USERS} contributors with API tokens; clients on the same 2 cores as the server and the database`,
    );
    if (THINK_MS > 0) {
      lines.push(
        `- open loop: each contributor listens ${THINK_MS} ms ±25 % before answering; offered load ≈ ${((USERS * 1000) / THINK_MS).toFixed(0)} answers/s (${USERS} contributors / ${THINK_MS} ms, less while requests are in flight)`,
      );
    }
    lines.push(`- ran ${elapsed.toFixed(1)} s; ${acked.length.toLocaleString('en')} answers acknowledged (${(acked.length / elapsed).toFixed(0)}/s); ${retriedVotes} vote retries (same idempotency key)`);
    lines.push('');
    lines.push('| route | requests | p50 ms | p90 ms | p99 ms | max ms | statuses | server-side count |', '|---|---:|---:|---:|---:|---:|---|---:|');
    for (const r of routes) {
      const s = summarize(latency.get(r)!);
      const st = [...statuses.entries()]
        .filter(([k]) => k.startsWith(`${r} `))
        .map(([k, n]) => `${k.slice(r.length + 1)}×${n}`)
        .join(', ');
      const [method, template] = r.split(' ');
      lines.push(`| ${r} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p90)} | ${fmt(s.p99)} | ${fmt(s.max)} | ${st} | ${serverCounts.get(`${method} ${template}`) ?? '–'} |`);
    }
    if (exports.length) {
      const ok = exports.filter((e) => e.status === 200);
      lines.push('', `Concurrent JSONL exports: ${ok.length} of ${exports.length} completed, ${fmt(summarize(ok.map((e) => e.ms)).p50)} ms median, last one ${(ok.at(-1)?.bytes ?? 0).toLocaleString('en')} bytes.`);
    }
    for (const { label, result } of ac) {
      lines.push(
        '',
        `autocannon, GET /api/taxonomy (token lookup + role check + metrics + log line), 50 connections, ${AC_SECONDS} s, ${label}: ${Math.round(result.requests.average)} req/s average, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts.`,
      );
    }
    lines.push('', ...checksTable(checks));
    lines.push('', `Stored answers without an acknowledgement (the client gave up or timed out before the answer came back): ${unacked}.`);
    const failed = checks.filter(([, found, expected]) => found !== expected);
    lines.push('', failed.length ? `**${failed.length} check(s) failed.**` : 'All checks passed.', '');
    const report = lines.join('\n');
    console.log(report);
    const out = values.out!;
    const header = '# Load suite results\n\nWritten by `npm run bench:load` (bench/load/run.ts); newest run first.\n\n';
    const previous = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').replace(header, '') : '';
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, header + report + '\n' + previous);
    console.error(`bench: written to ${out}; server log in ${path.join(work, 'server.log')}`);
    process.exitCode = failed.length ? 1 : 0;
  } finally {
    await stopAll();
    if (!values['keep-db']) await db.drop();
    else console.error(`bench: kept database ${db.name}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
