import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { encodeWav } from '@/lib/audio/wav';
import { launch, signIn } from './browser';

let browser: Browser;
const base = inject('baseUrl');

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

describe('expert review', () => {
  it('an expert settles an escalated clip with the keyboard and the export reflects it', async () => {
    const engineer = await browser.newContext({ acceptDownloads: true });
    const epage = await engineer.newPage();
    await signIn(epage, base, 'engineer');
    // A clip of our own: an uploaded clip is never gold (gold clips never enter review), and no other
    // e2e file (one server, one catalog, any order) has voted on it.
    const admin = await browser.newContext();
    const apage = await admin.newPage();
    await signIn(apage, base, 'admin');
    const sr = 22050;
    const tone = new Float32Array(sr * 4).map((_, k) => 0.3 * Math.sin((2 * Math.PI * 233 * k) / sr) + 0.1 * Math.sin((2 * Math.PI * 349 * k) / sr));
    const uploaded = await apage.request.post(`${base}/api/clips`, {
      multipart: { file: { name: 'review-e2e.wav', mimeType: 'audio/wav', buffer: Buffer.from(encodeWav([tone], sr)) }, title: 'Review e2e tone', artist: 'e2e' },
    });
    expect(uploaded.status(), await uploaded.text()).toBe(201);
    const target = { id: ((await uploaded.json()) as { results: { clipId: string }[] }).results[0].clipId };
    await admin.close();
    const escalated = await epage.request.post(`${base}/api/clips/${target.id}/escalate`);
    expect(escalated.status()).toBe(200);

    const expert = await browser.newContext();
    const page = await expert.newPage();
    await signIn(page, base, 'expert');
    expect(new URL(page.url()).pathname).toBe('/review');
    // The demo expert may still hold a clip another file left on their screen (a held lease always
    // comes back first): hand those back until the clip sent here by hand is served.
    for (let i = 0; i < 5; i++) {
      const res = await page.request.get(`${base}/api/review/next`);
      expect(res.status(), 'the escalated clip is in the queue').toBe(200);
      const next = (await res.json()) as { lease: { id: string }; clip: { id: string } };
      if (next.clip.id === target.id) break;
      expect((await page.request.post(`${base}/api/leases/${next.lease.id}/release`)).status()).toBe(200);
    }
    await page.reload();
    const review = page.getByTestId('review');
    await review.waitFor({ timeout: 20_000 });
    expect(await review.getAttribute('data-clip-id')).toBe(target.id);
    await expect.poll(() => page.getByTestId('waveform').count()).toBe(1);
    // A clip sent here by hand has no votes: each mood says so in words (not "0 / 0"), and the formula is one click away.
    const crowd = await page.locator('[data-testid=review-tags] tbody tr td:nth-child(3)').allTextContents();
    expect(crowd.length).toBeGreaterThan(0);
    for (const c of crowd) expect(c).toBe('no votes yet');
    await page.getByTestId('belief-formula').locator('summary').click();
    expect(await page.getByTestId('belief-formula').textContent()).toContain('π·∏yes Se');
    // Clear whatever is preselected, then choose moods 2 and 4 by keyboard.
    const pressed = page.locator('[data-testid=review-tags] .chip[aria-pressed="true"]');
    while ((await pressed.count()) > 0) await pressed.first().click();
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await page.keyboard.press('2');
    await page.keyboard.press('4');
    const chosen = await page
      .locator('[data-testid=review-tags] .chip[aria-pressed="true"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')!));
    expect(chosen).toHaveLength(2);
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => document.querySelector('[data-testid=review]')?.getAttribute('data-clip-id') !== id, target.id, {
      timeout: 10_000,
    });
    await expert.close();

    const [download] = await Promise.all([epage.waitForEvent('download'), epage.goto(`${base}/datasets`).then(() => epage.getByTestId('export-jsonl').click())]);
    const rows = fs
      .readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { clip_id: string; label_state: string; labels: string[] });
    const row = rows.find((r) => r.clip_id === target.id);
    expect(row, 'the settled clip is in the export').toBeDefined();
    expect(row!.label_state).toBe('expert_resolved');
    expect(row!.labels.sort()).toEqual([...chosen].sort());
    await engineer.close();
  });
});
