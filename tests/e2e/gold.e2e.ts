import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { encodeWav } from '@/lib/audio/wav';
import { launch, signIn } from './browser';

let browser: Browser;
const base = inject('baseUrl');
const SHOTS = process.env.CHORUS_SCREENSHOTS ?? path.join(process.cwd(), '.artifacts', 'screens');

beforeAll(async () => {
  browser = await launch();
  fs.mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => browser?.close());

describe('gold authoring and the audit log', () => {
  it('an expert makes the clip on the review screen gold; an admin sees that action in the audit log', async () => {
    // A clip of our own, escalated so it is the one on the review screen (files share one server).
    const admin = await browser.newContext({ acceptDownloads: true });
    const apage = await admin.newPage();
    await signIn(apage, base, 'admin');
    const sr = 22050;
    const tone = new Float32Array(sr * 4).map(
      (_, k) => 0.3 * Math.sin((2 * Math.PI * 262 * k) / sr) + 0.1 * Math.sin((2 * Math.PI * 392 * k) / sr),
    );
    const uploaded = await apage.request.post(`${base}/api/clips`, {
      multipart: {
        file: { name: 'gold-e2e.wav', mimeType: 'audio/wav', buffer: Buffer.from(encodeWav([tone], sr)) },
        title: 'Gold e2e tone',
        artist: 'e2e',
      },
    });
    expect(uploaded.status(), await uploaded.text()).toBe(201);
    const clipId = ((await uploaded.json()) as { results: { clipId: string }[] }).results[0].clipId;
    expect((await apage.request.post(`${base}/api/clips/${clipId}/escalate`)).status()).toBe(200);

    const expert = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await expert.newPage();
    await signIn(page, base, 'expert');
    const review = page.getByTestId('review');
    await review.waitFor({ timeout: 20_000 });
    expect(await review.getAttribute('data-clip-id')).toBe(clipId);
    // Final: exactly the first mood; gold: that mood required, the first other mood tolerated.
    const pressed = page.locator('[data-testid=review-tags] .chip[aria-pressed="true"]');
    while ((await pressed.count()) > 0) await pressed.first().click();
    const first = page.locator('[data-testid=review-tags] .chip').first();
    const required = (await first.getAttribute('data-tag'))!;
    await first.click();
    await page.getByTestId('gold-mark').locator('summary').click();
    const tolerated = page.getByTestId('gold-mark').locator('[data-tolerated]').first();
    const toleratedKey = (await tolerated.getAttribute('data-tolerated'))!;
    await tolerated.click();
    await page.getByTestId('gold-mark-button').click();
    await page.getByTestId('gold-badge').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(SHOTS, 'expert-review-gold-panel-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'expert-review-gold-panel-mobile.png'), fullPage: true });

    // The expert's gold list shows it; the API agrees on the stored answer.
    await page.goto(`${base}/review/gold`);
    const row = page.locator(`[data-testid=gold-list] tr[data-clip-id="${clipId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.textContent()).toContain('Gold e2e tone');
    const list = (await (await page.request.get(`${base}/api/gold?limit=500`)).json()) as {
      gold: { clipId: string; tags: string[]; tolerated: string[] }[];
    };
    expect(list.gold.find((g) => g.clipId === clipId)).toMatchObject({ tags: [required], tolerated: [toleratedKey] });
    await expert.close();

    // The admin filters the audit log to gold.mark and finds the expert's action on this clip.
    await apage.goto(`${base}/admin/audit`);
    await apage.locator('select[name=action]').selectOption('gold.mark');
    await apage.getByRole('button', { name: 'Filter' }).click();
    await apage.waitForURL((url) => url.searchParams.get('action') === 'gold.mark');
    const entry = apage.locator('[data-testid=audit-table] tr[data-action="gold.mark"]', { hasText: clipId.slice(0, 8) });
    await entry.waitFor({ timeout: 10_000 });
    expect(await entry.textContent()).toContain('expert');
    await apage.screenshot({ path: path.join(SHOTS, 'admin-audit-filtered-desktop.png'), fullPage: true });
    const [download] = await Promise.all([apage.waitForEvent('download'), apage.getByTestId('audit-csv').click()]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('id,at,actor_id,actor_name,actor_email,action,entity,entity_id,before,after');
    expect(csv).toContain(`,gold.mark,clip,${clipId},`);
    expect(csv).not.toContain(',model.promote,');
    await apage.setViewportSize({ width: 390, height: 844 });
    await apage.screenshot({ path: path.join(SHOTS, 'admin-audit-filtered-mobile.png'), fullPage: true });
    await admin.close();
  });
});
