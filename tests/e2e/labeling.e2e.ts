import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { launch, signIn } from './browser';

let browser: Browser;
const base = inject('baseUrl');

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

describe('the first labeling loop', () => {
  it('a contributor votes three clips with the keyboard; an engineer exports them', async () => {
    // Gold clips export their known answer, not the vote; keep them out of this check.
    const admin = await browser.newContext();
    const apage = await admin.newPage();
    await signIn(apage, base, 'admin');
    const patched = await apage.request.patch(`${base}/api/admin/settings`, { data: { goldRate: 0, newContributorGoldRate: 0 } });
    expect(patched.status()).toBe(200);
    await admin.close();

    // Other e2e files may have voted on the same clips (overlap > 1): compare with the export before.
    const engineer = await browser.newContext({ acceptDownloads: true });
    const epage = await engineer.newPage();
    await signIn(epage, base, 'engineer');
    const exportRows = async () => {
      await epage.goto(`${base}/datasets`);
      const [download] = await Promise.all([epage.waitForEvent('download'), epage.getByTestId('export-jsonl').click()]);
      return fs
        .readFileSync((await download.path())!, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { clip_id: string; vote_count: number; votes: string[][]; majority: string[] });
    };
    const earlier = new Map((await exportRows()).map((r) => [r.clip_id, r]));

    const contributor = await browser.newContext({ acceptDownloads: true });
    const page = await contributor.newPage();
    await signIn(page, base, 'contributor');
    expect(new URL(page.url()).pathname).toBe('/label');

    const voted: { id: string; tags: string[] }[] = [];
    // From the first clip on, every DOM change is watched for the loading state, so a spinner that
    // flashes between two checks is still caught (sampling at two instants could miss it).
    await page.getByTestId('clip').waitFor({ timeout: 20_000 });
    await page.evaluate(() => {
      const w = window as unknown as { spinnerSeen: boolean };
      w.spinnerSeen = document.querySelector('[data-testid=queue-loading]') !== null;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid=queue-loading]')) w.spinnerSeen = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    for (let i = 0; i < 3; i++) {
      const clip = page.getByTestId('clip');
      await clip.waitFor({ timeout: 20_000 });
      const id = (await clip.getAttribute('data-clip-id'))!;
      // Wait until the next clip is preloaded, as a contributor would while listening.
      await page.getByTestId('preloaded-audio').waitFor({ state: 'attached', timeout: 10_000 });
      await page.keyboard.press('1');
      await page.keyboard.press('3');
      const tags = await page.locator('.chip[aria-pressed="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')!));
      expect(tags).toHaveLength(2);
      await page.keyboard.press('Enter');
      voted.push({ id, tags });
      // The next clip replaces this one with no loading state in between (the observer would see one).
      await page.waitForFunction((prev) => document.querySelector('[data-testid=clip]')?.getAttribute('data-clip-id') !== prev, id);
    }
    expect(await page.evaluate(() => (window as unknown as { spinnerSeen: boolean }).spinnerSeen)).toBe(false);
    expect(new Set(voted.map((v) => v.id)).size).toBe(3);
    await expect.poll(async () => (await page.getByTestId('done-count').textContent())?.trim(), { timeout: 10_000 }).toBe('3 done this session');
    await contributor.close();

    const rows = await exportRows();
    for (const v of voted) {
      const row = rows.find((r) => r.clip_id === v.id);
      expect(row, `clip ${v.id} in the export`).toBeDefined();
      const before = earlier.get(v.id);
      expect(row!.vote_count).toBe((before?.vote_count ?? 0) + 1);
      // The export holds the votes themselves and their majority; the aggregated `labels` may differ
      // once the reliability model (EM) has run, so they are not compared here.
      const sorted = (tags: string[][]) => tags.map((t) => [...t].sort().join('|')).sort();
      expect(sorted(row!.votes)).toEqual(sorted([...(before?.votes ?? []), v.tags]));
      // The majority, counted by hand: the tags on more than half of the clip's votes (this one's alone on a fresh clip).
      const counts = new Map<string, number>();
      for (const tags of row!.votes) for (const tag of tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
      const majority = [...counts].filter(([, n]) => n * 2 > row!.votes.length).map(([tag]) => tag).sort();
      expect(row!.majority).toEqual(before ? majority : [...v.tags].sort());
    }
    await engineer.close();
  });

  it('a contributor cannot open the engineer pages', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, base, 'contributor');
    await page.goto(`${base}/datasets`);
    expect(new URL(page.url()).pathname).toBe('/forbidden');
    const res = await page.request.get(`${base}/api/export/jsonl`);
    expect(res.status()).toBe(403);
    await context.close();
  });
});
