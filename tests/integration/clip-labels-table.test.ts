/**
 * The engineer's labels table (issue 14, item 5): text search in title or artist, one state, one
 * mood, sorting by each column both ways, and pages that neither overlap nor skip — on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { aggregates, clips } from '@/db/schema';
import { listClipLabels } from '@/lib/catalog/repo';
import { ClipLabelQuerySchema, clipLabelQueryString } from '@/lib/catalog/schemas';
import { createTestDb, type TestDb } from '../helpers/db';

let t: TestDb;

const ROWS = [
  { title: 'Alpha Rain', artist: 'Zed', labelState: 'consensus', voteCount: 5, calm: true },
  { title: 'Bravo 100%_sure', artist: 'Yara', labelState: 'open', voteCount: 1, calm: false },
  { title: 'Charlie', artist: 'Rainer', labelState: 'disputed', voteCount: 4, calm: true },
  { title: 'Delta', artist: 'Xu', labelState: 'consensus', voteCount: 3, calm: false },
  { title: 'Echo', artist: 'Wu', labelState: 'expert_resolved', voteCount: 2, calm: true },
] as const;

beforeAll(async () => {
  t = await createTestDb();
  const inserted = await t.handle.db
    .insert(clips)
    .values(
      ROWS.map((r, i) => ({
        sha256: `labels-table-${i}`,
        title: r.title,
        artist: r.artist,
        labelState: r.labelState,
        voteCount: r.voteCount,
      })),
    )
    .returning({ id: clips.id, title: clips.title });
  const idOf = new Map(inserted.map((c) => [c.title, c.id]));
  await t.handle.db.insert(aggregates).values(
    ROWS.flatMap((r) => [
      { clipId: idOf.get(r.title)!, tag: 'calm', posterior: r.calm ? 0.9 : 0.1, label: r.calm, confidence: 0.8, method: 'mv' },
      { clipId: idOf.get(r.title)!, tag: 'sad', posterior: 0.2, label: false, confidence: 0.8, method: 'mv' },
    ]),
  );
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const titles = (r: { items: { title: string }[] }) => r.items.map((i) => i.title);

describe('listClipLabels: the labels table', () => {
  it('sorts by votes (most first) by default, and by each column both ways', async () => {
    const db = t.handle.db;
    expect(titles(await listClipLabels(db, { limit: 10, offset: 0 }))).toEqual([
      'Alpha Rain',
      'Charlie',
      'Delta',
      'Echo',
      'Bravo 100%_sure',
    ]);
    expect(titles(await listClipLabels(db, { limit: 10, offset: 0, sort: 'votes', dir: 'asc' }))).toEqual([
      'Bravo 100%_sure',
      'Echo',
      'Delta',
      'Charlie',
      'Alpha Rain',
    ]);
    expect(titles(await listClipLabels(db, { limit: 10, offset: 0, sort: 'artist' }))).toEqual([
      'Charlie', // Rainer
      'Echo', // Wu
      'Delta', // Xu
      'Bravo 100%_sure', // Yara
      'Alpha Rain', // Zed
    ]);
    expect(titles(await listClipLabels(db, { limit: 10, offset: 0, sort: 'title', dir: 'desc' }))).toEqual([
      'Echo',
      'Delta',
      'Charlie',
      'Bravo 100%_sure',
      'Alpha Rain',
    ]);
  });

  it('filters by text in title or artist (case-insensitive, % and _ taken literally), by state and by mood', async () => {
    const db = t.handle.db;
    const rain = await listClipLabels(db, { limit: 10, offset: 0, q: 'rAiN', sort: 'title' });
    expect(titles(rain)).toEqual(['Alpha Rain', 'Charlie']); // title "Alpha Rain", artist "Rainer"
    expect(rain.total).toBe(2);
    expect(titles(await listClipLabels(db, { limit: 10, offset: 0, q: '100%_' }))).toEqual(['Bravo 100%_sure']);
    expect(titles(await listClipLabels(db, { limit: 10, offset: 0, q: '%' }))).toEqual(['Bravo 100%_sure']);
    const consensus = await listClipLabels(db, { limit: 10, offset: 0, state: 'consensus' });
    expect(titles(consensus)).toEqual(['Alpha Rain', 'Delta']);
    const calm = await listClipLabels(db, { limit: 10, offset: 0, tag: 'calm', sort: 'title' });
    expect(titles(calm)).toEqual(['Alpha Rain', 'Charlie', 'Echo']);
    expect(calm.items.every((i) => i.labels.includes('calm'))).toBe(true);
    expect((await listClipLabels(db, { limit: 10, offset: 0, tag: 'sad' })).total).toBe(0);
    const both = await listClipLabels(db, { limit: 10, offset: 0, tag: 'calm', state: 'consensus', q: 'alpha' });
    expect(titles(both)).toEqual(['Alpha Rain']);
    expect(both.total).toBe(1);
  });

  it('pages neither overlap nor skip a clip, and the total counts every match', async () => {
    const db = t.handle.db;
    const seen: string[] = [];
    for (let offset = 0; offset < 5; offset += 2) {
      const page = await listClipLabels(db, { limit: 2, offset, sort: 'state' });
      expect(page.total).toBe(5);
      seen.push(...titles(page));
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });
});

describe('listClipLabels by ids (the upload panel following its clips)', () => {
  it('returns only the named clips, with their extraction status and reason', async () => {
    const db = t.handle.db;
    const [a, b] = (await listClipLabels(db, { limit: 10, offset: 0, sort: 'title' })).items;
    await db.update(clips).set({ status: 'failed', error: 'not audio' }).where(eq(clips.id, b.id));
    const picked = await listClipLabels(db, { limit: 10, offset: 0, ids: [b.id, a.id], sort: 'title' });
    expect(picked.items.map((i) => [i.id, i.status, i.error])).toEqual([
      [a.id, 'pending', null],
      [b.id, 'failed', 'not audio'],
    ]);
    expect((await listClipLabels(db, { limit: 10, offset: 0, ids: [] })).total).toBe(0);
  });
});

describe('ClipLabelQuerySchema', () => {
  it('reads a URL view, drops blanks, and writes only what differs from the defaults', () => {
    const q = ClipLabelQuerySchema.parse({ q: ' rain ', state: '', tag: 'calm', sort: 'title', dir: 'asc', page: '3' });
    expect(q).toEqual({ q: 'rain', tag: 'calm', sort: 'title', dir: 'asc', page: 3 });
    expect(clipLabelQueryString(q)).toBe('?q=rain&tag=calm&sort=title&page=3');
    expect(clipLabelQueryString(ClipLabelQuerySchema.parse({}))).toBe('');
    expect(ClipLabelQuerySchema.safeParse({ state: 'gold' }).success).toBe(false);
    expect(ClipLabelQuerySchema.safeParse({ page: '0' }).success).toBe(false);
  });
});
