import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { aggregates, goldAnswers } from '@/db/schema';
import { auditTrail } from '@/lib/audit/repo';
import { insertClip } from '@/lib/catalog/repo';
import { createTaxonomyVersionFromEdits, getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { GET as getGuidelines } from '@/app/api/guidelines/route';
import { PUT as putGuideline } from '@/app/api/guidelines/[tag]/route';
import { GET as getCandidates } from '@/app/api/guidelines/[tag]/candidates/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { request } from '../helpers/http';

/** Per-tag guidelines (issue 15, item 2) through their routes, on both databases. */

let t: TestDb;
let tags: string[];
let expertToken: string;
let contributorToken: string;
const settled: string[] = [];
let goldId: string;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  tags = (await getActiveTaxonomy(t.handle.db)).tags.map((x) => x.key);
  expertToken = (await makeUser(t.handle, 'expert')).token;
  contributorToken = (await makeUser(t.handle, 'contributor')).token;
  const add = async (title: string, labelState: 'consensus' | 'open') =>
    (
      await insertClip(t.handle.db, {
        sha256: randomBytes(32).toString('hex'),
        title,
        status: 'ready',
        durationS: 10,
        audioKey: `a/${title}.wav`,
        mime: 'audio/wav',
        labelState,
      })
    ).id;
  for (let i = 0; i < 4; i++) {
    const id = await add(`settled ${i}`, 'consensus');
    settled.push(id);
    await t.handle.db
      .insert(aggregates)
      .values(
        tags.map((tag, k) => ({
          clipId: id,
          tag,
          posterior: k === 0 ? 0.99 - i / 100 : 0.02,
          label: k === 0,
          confidence: 0.9,
          method: 'br-incremental',
        })),
      );
  }
  goldId = await add('gold', 'consensus');
  await t.handle.db
    .insert(aggregates)
    .values(
      tags.map((tag, k) => ({
        clipId: goldId,
        tag,
        posterior: k === 0 ? 1 : 0,
        label: k === 0,
        confidence: 1,
        method: 'br-incremental',
      })),
    );
  await t.handle.db.insert(goldAnswers).values({ clipId: goldId, taxonomyVersion: 1, tags: [tags[0]] });
}, 120_000);
afterAll(async () => t.close());

const none = { params: Promise.resolve({}) };
const put = (token: string, tag: string, body: unknown) =>
  putGuideline(request('PUT', `/api/guidelines/${tag}`, { token, body }), { params: Promise.resolve({ tag }) });
const list = async (token: string) =>
  (await (await getGuidelines(request('GET', '/api/guidelines', { token }), none)).json()) as {
    taxonomyVersion: number;
    tags: { key: string; text: string; examples: { id: string; audioUrl: string }[] }[];
  };

describe('guidelines', () => {
  it('an expert writes a mood’s text and examples (audited); a contributor reads them with playable examples', async () => {
    const res = await put(expertToken, tags[0], { text: '  Smiles and major keys.  ', exampleClipIds: [settled[1], settled[0]] });
    expect(res.status).toBe(200);
    const view = await list(contributorToken);
    const first = view.tags.find((x) => x.key === tags[0])!;
    expect(first.text).toBe('Smiles and major keys.');
    expect(first.examples.map((e) => e.id)).toEqual([settled[1], settled[0]]);
    expect(first.examples[0].audioUrl).toBe(`/api/clips/${settled[1]}/audio`);
    // Every mood is listed, in taxonomy order, written or not.
    expect(view.tags.map((x) => x.key)).toEqual(tags);
    expect(view.tags[1]).toMatchObject({ text: '', examples: [] });
    const audit = await auditTrail(t.handle.db, 'tag', tags[0]);
    expect(audit[0]).toMatchObject({
      action: 'guideline.update',
      after: { text: 'Smiles and major keys.', exampleClipIds: [settled[1], settled[0]] },
    });
  });

  it('refuses bad input with a clear error, and contributors cannot write', async () => {
    expect((await put(contributorToken, tags[0], { text: 'x' })).status).toBe(403);
    const long = await put(expertToken, tags[0], { text: 'a'.repeat(2001) });
    expect(long.status).toBe(400);
    expect(JSON.stringify(await long.json())).toMatch(/at most 2000 characters/);
    const four = await put(expertToken, tags[0], { text: 'x', exampleClipIds: settled });
    expect(four.status).toBe(400);
    expect(JSON.stringify(await four.json())).toMatch(/at most 3 example clips/);
    expect((await put(expertToken, tags[0], { text: 'x', exampleClipIds: [settled[0], settled[0]] })).status).toBe(400);
    expect((await put(expertToken, 'no-such-mood', { text: 'x' })).status).toBe(404);
    // The earlier guideline is untouched by the refused writes.
    expect((await list(contributorToken)).tags[0].text).toBe('Smiles and major keys.');
  });

  it('never shows a gold clip as an example: refused when chosen, dropped when made gold later, absent from the candidates', async () => {
    const refused = await put(expertToken, tags[0], { text: 'x', exampleClipIds: [goldId] });
    expect(refused.status).toBe(422);
    const candidates = (await (
      await getCandidates(request('GET', `/api/guidelines/${tags[0]}/candidates`, { token: expertToken }), {
        params: Promise.resolve({ tag: tags[0] }),
      })
    ).json()) as { candidates: { id: string }[] };
    expect(candidates.candidates.map((c) => c.id)).toEqual(settled);
    expect(
      (
        await getCandidates(request('GET', `/api/guidelines/${tags[0]}/candidates`, { token: contributorToken }), {
          params: Promise.resolve({ tag: tags[0] }),
        })
      ).status,
    ).toBe(403);
    await put(expertToken, tags[0], { text: 'Smiles and major keys.', exampleClipIds: [settled[2], settled[3]] });
    await t.handle.db.insert(goldAnswers).values({ clipId: settled[3], taxonomyVersion: 1, tags: [tags[0]] });
    const shown = (await list(contributorToken)).tags[0].examples.map((e) => e.id);
    expect(shown).toEqual([settled[2]]);
  });

  it('is carried to a new taxonomy version for a tag that keeps its key, and not for a renamed one', async () => {
    await put(expertToken, tags[1], { text: 'Tears and minor keys.' });
    const taxonomy = await getActiveTaxonomy(t.handle.db);
    await createTaxonomyVersionFromEdits(
      t.handle.db,
      taxonomy.version,
      [
        { op: 'rename', from: tags[1], toKey: 'melancholic' },
        { op: 'add', key: 'eerie', label: 'Eerie', description: '' },
      ],
      'test',
    );
    const view = await list(contributorToken);
    expect(view.taxonomyVersion).toBe(taxonomy.version + 1);
    expect(view.tags.find((x) => x.key === tags[0])!.text).toBe('Smiles and major keys.');
    expect(view.tags.find((x) => x.key === 'melancholic')!.text).toBe('');
    expect(view.tags.some((x) => x.key === tags[1])).toBe(false);
  });
});
