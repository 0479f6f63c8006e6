import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { parse as parseCsv } from 'csv-parse/sync';
import { projectAnswers, projectMembers, type Role } from '@/db/schema';
import { insertClip } from '@/lib/catalog/repo';
import { aggregateProjectNow } from '@/lib/projects/aggregation-service';
import { readProjectResults } from '@/lib/projects/scores-repo';
import { pseudonymFor } from '@/lib/projects/export';
import { createProject } from '@/lib/projects/service';
import * as exportRoute from '@/app/api/projects/[slug]/export/route';
import { createTestDb, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';
import { runCli } from '../helpers/cli';

let t: TestDb;
const people: Record<string, { id: string; token: string }> = {};
let va: { id: string; slug: string };
let pw: { id: string; slug: string };
const clip: Record<string, string> = {};
const sha: Record<string, string> = {};

const VA_COLUMNS = ['clip_id', 'sha256', 'title', 'artist', 'valence', 'valence_sd', 'arousal', 'arousal_sd', 'ratings'];
const PW_COLUMNS = ['clip_id', 'sha256', 'title', 'artist', 'rank', 'score', 'score_sd', 'comparisons'];

beforeAll(async () => {
  t = await createTestDb();
  for (const [name, role] of [
    ['admin', 'admin'],
    ['c1', 'contributor'],
    ['c2', 'contributor'],
    ['expert', 'expert'],
    ['engineer', 'engineer'],
    ['outsider', 'engineer'],
  ] as const) {
    const { user, token } = await makeUser(t.handle, role);
    people[name] = { id: user.id, token };
  }
  // A title a spreadsheet would run as a formula, and one with a comma and a quote.
  for (const [name, title] of [
    ['x', '=HYPERLINK("http://evil","click")'],
    ['y', 'Rain, "soft"'],
    ['z', 'Plain'],
  ]) {
    sha[name] = randomBytes(32).toString('hex');
    clip[name] = (await insertClip(t.handle.db, { sha256: sha[name], title, artist: 'Ann', status: 'ready', durationS: 5 })).id;
  }
  const ids = Object.values(clip);
  va = await createProject(t.handle.db, people.admin.id, { slug: 'va-x', name: 'VA', questionType: 'valence_arousal', clipFilter: { clipIds: ids } });
  pw = await createProject(t.handle.db, people.admin.id, { slug: 'pw-x', name: 'PW', questionType: 'pairwise', attribute: 'dark', clipFilter: { clipIds: ids } });
  for (const p of [va, pw])
    for (const [who, role] of [['c1', 'contributor'], ['c2', 'contributor'], ['expert', 'expert'], ['engineer', 'engineer']] as [string, Role][])
      await t.handle.db.insert(projectMembers).values({ projectId: p.id, userId: people[who].id, role });
  const db = t.handle.db;
  const key = () => randomUUID();
  await db.insert(projectAnswers).values([
    { projectId: va.id, userId: people.c1.id, clipId: clip.x, valence: 0.5, arousal: -0.25, idempotencyKey: key() },
    { projectId: va.id, userId: people.c2.id, clipId: clip.x, valence: 0.75, arousal: 0, idempotencyKey: key() },
    { projectId: va.id, userId: people.c1.id, clipId: clip.y, valence: -0.5, arousal: 0.5, idempotencyKey: key() },
    { projectId: pw.id, userId: people.c1.id, clipId: clip.x, clipBId: clip.y, choice: 'a', idempotencyKey: key() },
    { projectId: pw.id, userId: people.c2.id, clipId: clip.y, clipBId: clip.x, choice: 'b', idempotencyKey: key() },
    { projectId: pw.id, userId: people.c2.id, clipId: clip.y, clipBId: clip.z, choice: 'same', idempotencyKey: key() },
  ]);
  await aggregateProjectNow(db, va.id);
  await aggregateProjectNow(db, pw.id);
});
afterAll(async () => t?.close());

const download = (slug: string, query: string, who = 'engineer') =>
  exportRoute.GET(request('GET', `/api/projects/${slug}/export?${query}`, { token: people[who].token }), ctx({ slug }));

async function expectedScores(projectId: string) {
  const { scores } = await readProjectResults(t.handle.db, projectId);
  return new Map(scores.map((s) => [s.clipId, s]));
}

describe('GET /api/projects/[slug]/export', () => {
  it('valence–arousal scores as JSON Lines: the columns in order, every clip, the stored values', async () => {
    const res = await download('va-x', 'format=jsonl');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="chorus-va-x-scores-.*\.jsonl"/);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    const stored = await expectedScores(va.id);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(VA_COLUMNS);
      const s = stored.get(line.clip_id as string)!;
      expect(line).toEqual({
        clip_id: s.clipId,
        sha256: s.sha256,
        title: s.title,
        artist: 'Ann',
        valence: s.valence,
        valence_sd: s.valenceSd,
        arousal: s.arousal,
        arousal_sd: s.arousalSd,
        ratings: s.answerCount,
      });
    }
    const byClip = new Map(lines.map((l) => [l.clip_id, l]));
    expect(byClip.get(clip.x)!.ratings).toBe(2);
    expect(byClip.get(clip.x)!.sha256).toBe(sha.x);
    expect(byClip.get(clip.z)).toMatchObject({ ratings: 0, valence: null, arousal_sd: null });
  });

  it('pairwise scores as CSV: header, formula-safe titles, numbers bare, empty cells for no rank', async () => {
    const res = await download('pw-x', 'format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const text = await res.text();
    expect(text.split('\r\n')[0]).toBe(PW_COLUMNS.join(','));
    const rows = parseCsv(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(3);
    const byClip = new Map(rows.map((r) => [r.clip_id, r]));
    // The formula title is neutralised with a leading quote; the comma-and-quote title survives quoting.
    expect(byClip.get(clip.x)!.title).toBe(`'=HYPERLINK("http://evil","click")`);
    expect(byClip.get(clip.y)!.title).toBe('Rain, "soft"');
    const stored = await expectedScores(pw.id);
    for (const [id, s] of stored) {
      const r = byClip.get(id)!;
      expect(Number(r.rank)).toBe(s.rank);
      expect(Number(r.score)).toBeCloseTo(s.score!, 5);
      expect(Number(r.score_sd)).toBeCloseTo(s.scoreSd!, 5);
      expect(Number(r.comparisons)).toBe(s.answerCount);
    }
    // x won both comparisons with y (shown on either side): rank 1; y took part in all three.
    expect(byClip.get(clip.x)!.rank).toBe('1');
    expect(byClip.get(clip.y)!.comparisons).toBe('3');
  });

  it('pairwise scores as Parquet read back with hyparquet', async () => {
    const res = await download('pw-x', 'format=parquet');
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })) as Record<string, unknown>[];
    expect(rows).toHaveLength(3);
    expect(Object.keys(rows[0])).toEqual(PW_COLUMNS);
    const stored = await expectedScores(pw.id);
    for (const r of rows) {
      const s = stored.get(r.clip_id as string)!;
      expect(r).toMatchObject({ sha256: s.sha256, title: s.title, artist: 'Ann', rank: s.rank, comparisons: s.answerCount });
      expect(r.score as number).toBeCloseTo(s.score!, 5);
    }
  });

  it('valence–arousal scores as Parquet, nulls kept for the unrated clip', async () => {
    const res = await download('va-x', 'format=parquet');
    const bytes = new Uint8Array(await res.arrayBuffer());
    const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset) })) as Record<string, unknown>[];
    expect(Object.keys(rows[0])).toEqual(VA_COLUMNS);
    const z = rows.find((r) => r.clip_id === clip.z)!;
    expect(z).toMatchObject({ valence: null, valence_sd: null, ratings: 0 });
    const x = rows.find((r) => r.clip_id === clip.x)!;
    expect(x.valence as number).toBeCloseTo((await expectedScores(va.id)).get(clip.x)!.valence!, 5);
  });

  it('?what=answers: every answer with the contributor pseudonymised (stable, no id or name)', async () => {
    const res = await download('pw-x', 'what=answers&format=jsonl');
    const text = await res.text();
    expect(text).not.toContain(people.c1.id);
    expect(text).not.toContain(people.c2.id);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => Object.keys(l))).toEqual(Array(3).fill(['annotator', 'clip_id', 'clip_b_id', 'choice', 'created_at']));
    // The three were inserted in one statement (one created_at): compare them as a set.
    const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();
    expect(sorted(lines.map((l) => [l.annotator, l.clip_id, l.clip_b_id, l.choice]))).toEqual(sorted([
      [pseudonymFor(pw.id, people.c1.id), clip.x, clip.y, 'a'],
      [pseudonymFor(pw.id, people.c2.id), clip.y, clip.x, 'b'],
      [pseudonymFor(pw.id, people.c2.id), clip.y, clip.z, 'same'],
    ]));
    // The same person is a different annotator in another project.
    expect(pseudonymFor(va.id, people.c1.id)).not.toBe(pseudonymFor(pw.id, people.c1.id));
    const csv = parseCsv(await (await download('va-x', 'what=answers&format=csv')).text(), { columns: true }) as Record<string, string>[];
    expect(sorted(csv.map((r) => [r.annotator, r.clip_id, Number(r.valence), Number(r.arousal)]))).toEqual(sorted([
      [pseudonymFor(va.id, people.c1.id), clip.x, 0.5, -0.25],
      [pseudonymFor(va.id, people.c2.id), clip.x, 0.75, 0],
      [pseudonymFor(va.id, people.c1.id), clip.y, -0.5, 0.5],
    ]));
  });

  it('a contributor or an expert of the project gets 403, a non-member 404, bad formats 400', async () => {
    expect((await download('va-x', 'format=csv', 'c1')).status).toBe(403);
    expect((await download('va-x', 'format=csv', 'expert')).status).toBe(403);
    expect((await download('va-x', 'format=csv', 'outsider')).status).toBe(404);
    expect((await download('va-x', 'format=csv', 'admin')).status).toBe(200);
    const bad = await download('va-x', 'format=xlsx');
    expect(bad.status).toBe(400);
    expect((await download('va-x', 'what=votes')).status).toBe(400);
    expect((await download('mood', 'format=csv', 'admin')).status).toBe(400);
  });
});

describe('chorus project-data', () => {
  it('export writes the file the API would stream, and never overwrites one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'chorus-project-data-'));
    const out = path.join(dir, 'pw.parquet');
    const run = await runCli(['project-data', 'export', '--project', 'pw-x', '--format', 'parquet', '--out', out]);
    expect(run.code).toBe(0);
    const bytes = await readFile(out);
    const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) })) as Record<string, unknown>[];
    expect(rows.map((r) => r.clip_id).sort()).toEqual(Object.values(clip).sort());
    expect(Object.keys(rows[0])).toEqual(PW_COLUMNS);

    const again = await runCli(['project-data', 'export', '--project', 'pw-x', '--format', 'csv', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('EEXIST');
    expect(await readFile(out)).toEqual(bytes);

    const answers = path.join(dir, 'va-answers.jsonl');
    expect((await runCli(['project-data', 'export', '--project', 'va-x', '--what', 'answers', '--out', answers])).code).toBe(0);
    expect((await readFile(answers, 'utf8')).trim().split('\n')).toHaveLength(3);
    await rm(dir, { recursive: true, force: true });
  });

  it('aggregate refits now; usage mistakes exit 2, an unknown project 1, with nothing written', async () => {
    const run = await runCli(['project-data', 'aggregate', '--project', 'va-x']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ projectId: va.id, status: 'fitted', answers: 3, clips: 3, annotators: 2 });
    expect((await runCli(['project-data', 'aggregate'])).code).toBe(2);
    expect((await runCli(['project-data', 'export', '--project', 'va-x', '--format', 'xlsx', '--out', '/tmp/never'])).code).toBe(2);
    expect((await runCli(['project-data', 'aggregate', '--project', 'va-x', '--out', 'x'])).code).toBe(2);
    const missing = await runCli(['project-data', 'aggregate', '--project', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no project "nope"');
  });
});
