/**
 * The recommender's API path, end to end through the route handlers (zod, rate limits off,
 * SQL metadata joins, mood scores, session replay, ranking, JSON): what bench/recommend.ts (the
 * pure index) does not time.
 *
 *   npx tsx bench/recommend-api.ts [--n 20000] [--dim 64] [--runs 200] [--db embedded|postgres]
 *
 * `--db postgres` uses CHORUS_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres)
 * and creates, then drops, a scratch database. Embedded = PGlite with pgvector (HNSW in SQL);
 * the machine's PostgreSQL 15 has no pgvector, so postgres = hnswlib in process.
 *
 * Catalog: n clips with 64-d embeddings from a 64-component Gaussian mixture in 16 latent
 * dimensions (learned embeddings live on a low-dimensional manifold), a model's probabilities
 * for 8 tags that depend on the latent point, tempo and loudness, 10 clips per artist.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDb, type DbHandle } from '@/db/client';
import { setDbHandle } from '@/db';
import { ensureTaxonomy } from '@/lib/demo/seed';
import { resetRecommender } from '@/lib/recommend/runtime';
import { createRng, gaussian } from '@/lib/util/random';
import * as similarRoute from '@/app/api/recommend/similar/route';
import * as moodRoute from '@/app/api/recommend/mood/route';
import * as sessionsRoute from '@/app/api/listen/sessions/route';
import * as eventsRoute from '@/app/api/listen/sessions/[id]/events/route';
import * as nextRoute from '@/app/api/listen/sessions/[id]/next/route';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const n = Number(arg('n', '20000'));
const dim = Number(arg('dim', '64'));
const runs = Number(arg('runs', '200'));
const engine = arg('db', 'embedded');
const TAGS = ['happy', 'sad', 'calm', 'energetic', 'tense', 'dreamy', 'dark', 'uplifting'];
const LATENT = 16;
const rng = createRng(7);
const OFF = { ratePerSecond: 0, burst: 1 };

const req = (method: string, path: string, body?: unknown) =>
  new Request(`http://localhost${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const ctx = <P>(params: P) => ({ params: Promise.resolve(params) });

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

async function open(): Promise<{ handle: DbHandle; close: () => Promise<void> }> {
  if (engine === 'embedded') {
    const handle = await openDb({ dataDir: 'memory://' });
    return { handle, close: () => handle.close() };
  }
  const adminUrl = process.env.CHORUS_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `chorus_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDb({ databaseUrl: url.toString(), maxConnections: 20 });
  return {
    handle,
    close: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

async function seed(handle: DbHandle): Promise<string[]> {
  const means = Array.from({ length: 64 }, () => Array.from({ length: LATENT }, () => 2 * gaussian(rng)));
  const W = Array.from({ length: dim * LATENT }, () => gaussian(rng) / Math.sqrt(LATENT));
  const moodMap = Array.from({ length: TAGS.length * LATENT }, () => gaussian(rng));
  const ids: string[] = [];
  const batch = 2000;
  const [{ id: versionId }] = await handle.query<{ id: number }>(
    `insert into embedding_versions (source, dim, status, count, activated_at) values ('bench', $1, 'active', $2, now()) returning id`,
    [dim, n],
  );
  const [{ id: modelId }] = await handle.query<{ id: number }>(
    `insert into models (kind, status, feature_version, taxonomy_version, tag_keys) values ('logistic', 'active', 'bench', 1, $1::text[]) returning id`,
    [TAGS],
  );
  for (let start = 0; start < n; start += batch) {
    const m = Math.min(batch, n - start);
    const titles: string[] = [];
    const artists: string[] = [];
    const vectors: string[] = [];
    const probs: string[] = [];
    const tempo: number[] = [];
    const lufs: number[] = [];
    for (let r = 0; r < m; r++) {
      const i = start + r;
      const mean = means[Math.floor(rng() * means.length)];
      const z = mean.map((x) => x + gaussian(rng));
      const e = Array.from({ length: dim }, (_, d) => z.reduce((s, zj, j) => s + W[d * LATENT + j] * zj, 0) + 0.1 * gaussian(rng));
      titles.push(`track ${i}`);
      artists.push(`artist ${Math.floor(i / 10)}`);
      vectors.push(JSON.stringify(e.map((x) => Math.round(x * 1e5) / 1e5)));
      probs.push(JSON.stringify(TAGS.map((_, t) => 1 / (1 + Math.exp(-z.reduce((s, zj, j) => s + moodMap[t * LATENT + j] * zj, 0) / 3)))));
      tempo.push(60 + 120 * rng());
      lufs.push(-30 + 22 * rng());
    }
    const rows = await handle.query<{ id: string }>(
      `insert into clips (sha256, title, artist, status, duration_s)
       select md5(random()::text) || md5(random()::text), u.t, u.a, 'ready', 30 from unnest($1::text[], $2::text[]) u(t, a) returning id::text as id`,
      [titles, artists],
    );
    const chunk = rows.map((r) => r.id);
    ids.push(...chunk);
    await handle.query(
      `insert into clip_embeddings (version_id, clip_id, embedding)
       select $1, u.id, (select array_agg(x::real) from jsonb_array_elements_text(u.v) x) from unnest($2::uuid[], $3::jsonb[]) u(id, v)`,
      [versionId, chunk, vectors],
    );
    await handle.query(
      `insert into predictions (clip_id, model_id, probs, uncertainty)
       select u.id, $1, (select array_agg(x::real) from jsonb_array_elements_text(u.p) x), 0.3 from unnest($2::uuid[], $3::jsonb[]) u(id, p)`,
      [modelId, chunk, probs],
    );
    await handle.query(
      `insert into clip_features (clip_id, extractor_version, vector, named, tempo_bpm, lufs)
       select u.id, 'bench', '{0}'::real[], '{}'::jsonb, u.t, u.l from unnest($1::uuid[], $2::real[], $3::real[]) u(id, t, l)`,
      [chunk, tempo, lufs],
    );
  }
  await handle.exec('analyze');
  return ids;
}

async function main(): Promise<void> {
  const { handle, close } = await open();
  setDbHandle(handle);
  try {
    await ensureTaxonomy(handle.db);
    const [ids, seedMs] = await time(() => seed(handle));
    const rec = resetRecommender(handle, { limits: { sessions: OFF, events: OFF, reads: OFF } });
    const [index, buildMs] = await time(() => rec.sync());
    const lines: string[] = [];
    const out = (s: string) => {
      lines.push(s);
      console.log(s);
    };
    out(`### ${engine === 'embedded' ? 'PGlite + pgvector' : 'PostgreSQL 15 + hnswlib'}: n = ${n}, d = ${dim}, ${runs} requests each\n`);
    out(`seed ${(seedMs / 1000).toFixed(1)} s; first request's index build (${index!.backend}) ${(buildMs / 1000).toFixed(1)} s\n`);
    out('| request | p50 ms | p99 ms |');
    out('|---|---|---|');
    const bench = async (label: string, call: (i: number) => Promise<Response>) => {
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const [res, t] = await time(() => call(i));
        if (res.status !== 200 && res.status !== 201) throw new Error(`${label}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        ms.push(t);
      }
      out(`| ${label} | ${pct(ms, 0.5).toFixed(1)} | ${pct(ms, 0.99).toFixed(1)} |`);
    };
    const [, coldMoodMs] = await time(() => moodRoute.GET(req('GET', '/api/recommend/mood?blend=calm:0.7,dreamy:0.3&k=10'), ctx({})));
    // Warm every tag's mood direction (the cold cost is reported above).
    for (const tag of TAGS) await (await moodRoute.GET(req('GET', `/api/recommend/mood?blend=${tag}&k=1`), ctx({}))).arrayBuffer();
    await bench('GET similar (k = 10)', (i) => similarRoute.GET(req('GET', `/api/recommend/similar?clipId=${ids[(i * 7919) % n]}&k=10`), ctx({})));
    await bench('GET mood (blend of 2, k = 10)', (i) =>
      moodRoute.GET(req('GET', `/api/recommend/mood?blend=${TAGS[i % 8]}:0.7,${TAGS[(i + 3) % 8]}:0.3&k=10`), ctx({})),
    );
    await bench('GET mood + tempo/energy filters', () =>
      moodRoute.GET(req('GET', '/api/recommend/mood?blend=calm&k=10&tempoMin=70&tempoMax=100&energyMax=0.4'), ctx({})),
    );
    const sessions: string[] = [];
    for (let s = 0; s < 20; s++) {
      const res = await sessionsRoute.POST(req('POST', '/api/listen/sessions', {}), ctx({}));
      sessions.push(((await res.json()) as { sessionId: string }).sessionId);
    }
    await bench('POST event (like/skip)', (i) =>
      eventsRoute.POST(
        req('POST', `/api/listen/sessions/${sessions[i % 20]}/events`, { clipId: ids[(i * 104729) % n], type: i % 3 === 0 ? 'skip' : 'like', positionS: 3 }),
        ctx({ id: sessions[i % 20] }),
      ),
    );
    await bench('GET next (personalized, ~10 events)', (i) => nextRoute.GET(req('GET', `/api/listen/sessions/${sessions[i % 20]}/next?k=10`), ctx({ id: sessions[i % 20] })));
    await bench('GET next (personalized + mood)', (i) =>
      nextRoute.GET(req('GET', `/api/listen/sessions/${sessions[i % 20]}/next?k=10&mood=calm`), ctx({ id: sessions[i % 20] })),
    );
    await bench('GET next (personalization=0)', (i) =>
      nextRoute.GET(req('GET', `/api/listen/sessions/${sessions[i % 20]}/next?k=10&personalization=0&mood=happy`), ctx({ id: sessions[i % 20] })),
    );
    out(`\nfirst mood request (mood directions computed in SQL, then cached per version and model): ${coldMoodMs.toFixed(0)} ms`);
  } finally {
    setDbHandle(undefined);
    await close();
  }
}

await main();
