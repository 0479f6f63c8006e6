import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fs from 'node:fs';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import type { Browser } from 'playwright-core';
import { launch, signIn, openClipsFewestVotesFirst } from './browser';

let browser: Browser;
const base = inject('baseUrl');

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

interface Manifest {
  name: string;
  version: number;
  columns: string[];
  tags: string[];
  counts: { rows: number; per_split: Record<string, number> };
  files: { path: string; rows: number | null; split: string | null; format: string }[];
}

describe('dataset snapshots', () => {
  it('an engineer defines a snapshot on /datasets, watches it build and downloads its Parquet', async () => {
    const engineer = await browser.newContext({ acceptDownloads: true });
    const page = await engineer.newPage();
    await signIn(page, base, 'engineer');

    // Data, made through the app: the engineer sends four unvoted clips to expert review and the
    // expert settles them. (Crowd votes would do too, but they would share the demo contributor's
    // queue and history with the labeling test; expert-resolved clips leave the crowd queue.)
    const clipList = (await (await page.request.get(`${base}/api/clips?limit=500`)).json()) as {
      items: { id: string; voteCount: number; labelState: string }[];
    };
    const expert = await browser.newContext();
    const xpage = await expert.newPage();
    await signIn(xpage, base, 'expert');
    // Gold clips never go to review (lib/review/repo.ts): choosing one left the loop below on 204.
    const goldList = (await (await xpage.request.get(`${base}/api/gold?limit=500`)).json()) as { gold: { clipId: string }[] };
    const gold = new Set(goldList.gold.map((g) => g.clipId));
    const chosenClips = openClipsFewestVotesFirst(clipList.items)
      .filter((c) => !gold.has(c.id))
      .slice(0, 4);
    const chosen = chosenClips.map((c) => c.id);
    // Another e2e file may have voted on them already; the snapshot keeps those votes' count.
    const votesBefore = new Map(chosenClips.map((c) => [c.id, c.voteCount]));
    expect(chosen).toHaveLength(4);
    for (const id of chosen) expect((await page.request.post(`${base}/api/clips/${id}/escalate`)).status()).toBe(200);

    const decided = new Map<string, string[]>();
    let tagKeys: string[] = [];
    for (let i = 0; i < 12 && decided.size < chosen.length; i++) {
      const next = await xpage.request.get(`${base}/api/review/next`);
      expect(next.status(), await next.text()).toBe(200);
      const item = (await next.json()) as { lease: { id: string }; clip: { id: string }; taxonomy: { tags: { key: string }[] } };
      tagKeys = item.taxonomy.tags.map((t) => t.key);
      const n = decided.size;
      const tags = chosen.includes(item.clip.id) ? [tagKeys[n % tagKeys.length], tagKeys[(n + 3) % tagKeys.length]].sort() : [];
      const res = await xpage.request.post(`${base}/api/review/decisions`, {
        data: { leaseId: item.lease.id, tags, note: 'e2e', idempotencyKey: `e2e-datasets-${item.lease.id}` },
      });
      expect(res.status(), await res.text()).toBeLessThan(300);
      if (chosen.includes(item.clip.id)) decided.set(item.clip.id, tags);
    }
    expect(decided.size).toBe(chosen.length);
    await expert.close();

    // A contributor cannot list snapshots (downloads are refused too: see the integration tests).
    const contributor = await browser.newContext();
    const cpage = await contributor.newPage();
    await signIn(cpage, base, 'contributor');
    expect((await cpage.request.get(`${base}/api/datasets`)).status()).toBe(403);
    await contributor.close();

    await page.goto(`${base}/datasets`);
    const form = page.getByTestId('snapshot-form');
    await form.waitFor();
    // Defaults: consensus + expert-resolved, confidence 0.8, every format.
    expect(await page.getByTestId('snapshot-state-consensus').isChecked()).toBe(true);
    expect(await page.getByTestId('snapshot-state-expert_resolved').isChecked()).toBe(true);
    expect(await page.getByTestId('snapshot-state-open').isChecked()).toBe(false);
    expect(await page.getByTestId('snapshot-min-confidence').inputValue()).toBe('0.8');
    for (const f of ['parquet', 'jsonl', 'csv']) expect(await page.getByTestId(`snapshot-format-${f}`).isChecked()).toBe(true);

    // A mistake is named next to the form, before any request.
    await page.getByTestId('snapshot-name').fill('no spaces allowed');
    await page.getByTestId('snapshot-submit').click();
    await expect.poll(() => page.getByTestId('snapshot-error').textContent()).toContain('Name');

    // The defaults (consensus + expert-resolved, confidence ≥ 0.8) select the settled clips.
    const name = `e2e-${Date.now().toString(36)}`;
    await page.getByTestId('snapshot-name').fill(name);
    await page.getByTestId('snapshot-name').press('Enter'); // the keyboard submits the form
    await expect.poll(() => page.getByTestId('snapshot-created').textContent(), { timeout: 10_000 }).toContain(`Queued ${name} v1`);
    expect(await page.getByTestId('snapshot-error').count()).toBe(0);

    const row = page.locator(`[data-testid=snapshot-row][data-name="${name}"]`);
    await row.waitFor({ timeout: 10_000 });
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 90_000, interval: 500 }).toBe('ready');

    const link = row.locator('a[data-testid=snapshot-file][data-path="data/train-00000-of-00001.parquet"]');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`${name}-v1-train-00000-of-00001.parquet`);
    const trainPath = (await download.path())!;
    const train = await parquetReadObjects({ file: await asyncBufferFromFile(trainPath) });

    // The manifest and the other splits, through the same session.
    const id = (await row.getAttribute('data-snapshot-id'))!;
    const manifest = (await (await page.request.get(`${base}/api/datasets/${id}/files/manifest.json`)).json()) as Manifest;
    expect(manifest).toMatchObject({ name, version: 1, tags: tagKeys });
    const expectedColumns = [
      'clip_id', 'sha256', 'title', 'artist', 'licence', 'provenance', 'source', 'duration_s', 'tags',
      ...tagKeys.map((t) => `p_${t}`), 'vote_count', 'expert_resolved', 'split', 'taxonomy_version',
    ];
    expect(manifest.columns).toEqual(expectedColumns);
    const rows = [...train];
    for (const split of ['validation', 'test']) {
      const res = await page.request.get(`${base}/api/datasets/${id}/files/data/${split}-00000-of-00001.parquet`);
      expect(res.status()).toBe(200);
      expect(res.headers()['content-type']).toBe('application/vnd.apache.parquet');
      const buf = await res.body();
      rows.push(...(await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer })));
    }
    expect(train.length).toBe(manifest.counts.per_split.train);
    expect(rows.length).toBe(manifest.counts.rows);
    for (const r of rows) expect(Object.keys(r)).toEqual(expectedColumns);

    // Every clip settled above is in the snapshot with the expert's labels as hard labels and 0/1 posteriors.
    for (const [clipId, tags] of decided) {
      const r = rows.find((x) => x.clip_id === clipId);
      expect(r, `clip ${clipId} in the snapshot`).toBeDefined();
      expect(r!.tags).toEqual(tagKeys.filter((t) => tags.includes(t)));
      for (const t of tagKeys) expect(r![`p_${t}`], `p_${t} of ${clipId}`).toBe(tags.includes(t) ? 1 : 0);
      expect(r!.expert_resolved).toBe(true);
      expect(r!.vote_count).toBe(votesBefore.get(clipId));
      expect(r!.taxonomy_version).toBe(1);
      expect(r!.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(r!.licence).toBeTruthy();
      expect(JSON.parse(r!.provenance as string)).toBeTypeOf('object');
      expect(['train', 'validation', 'test']).toContain(r!.split);
    }
    // Nothing unsettled slipped in: every row is consensus-grade or expert-resolved.
    for (const r of rows) {
      if (r.expert_resolved) continue;
      for (const t of tagKeys) expect(Math.max(r[`p_${t}`] as number, 1 - (r[`p_${t}`] as number))).toBeGreaterThanOrEqual(0.8 - 1e-6);
    }
    expect(manifest.counts.rows).toBeGreaterThanOrEqual(decided.size);

    // Unlisted paths are refused.
    expect((await page.request.get(`${base}/api/datasets/${id}/files/data/nope.parquet`)).status()).toBe(404);
    await engineer.close();
  });
});
