import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launch, signIn } from './browser';

/**
 * Issue 15 item 2 in Chromium: a new contributor lands on the onboarding page, takes the
 * qualification round (one gold clip here: the e2e demo catalog has one), passes, and then labels
 * ordinary clips. The files share one server: the round size is set for this file and put back.
 */

let browser: Browser;
const base = inject('baseUrl');
const SHOTS = process.env.CHORUS_SCREENSHOTS ?? path.join(process.cwd(), '.artifacts', 'screens');

beforeAll(async () => {
  browser = await launch();
  fs.mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => browser?.close());

describe('onboarding and qualification', () => {
  it('a new contributor sees onboarding, passes the qualification round, then labels normally', async () => {
    const admin = await browser.newContext();
    const apage = await admin.newPage();
    await signIn(apage, base, 'admin');
    const gold = (await (await apage.request.get(`${base}/api/gold?limit=500`)).json()) as {
      gold: { clipId: string; tags: string[] }[];
    };
    expect(gold.gold.length).toBeGreaterThan(0);
    const answers = new Map(gold.gold.map((g) => [g.clipId, g.tags]));
    const before = (await (await apage.request.get(`${base}/api/admin/settings`)).json()) as { qualificationClips: number };
    expect((await apage.request.patch(`${base}/api/admin/settings`, { data: { qualificationClips: 1 } })).status()).toBe(200);
    const email = `newcomer-${Date.now()}@e2e.local`;
    const created = await apage.request.post(`${base}/api/admin/users`, {
      data: { email, name: 'New Contributor', role: 'contributor', password: 'newcomer-password' },
    });
    expect(created.status(), await created.text()).toBe(201);
    try {
      const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(`${base}/login`);
      await page.fill('input[name=email]', email);
      await page.fill('input[name=password]', 'newcomer-password');
      await page.click('button[type=submit]');
      // Their home is /label, which sends a contributor who has not started the round to onboarding.
      await page.waitForURL((url) => url.pathname === '/onboarding', { timeout: 20_000 });
      await page.getByTestId('qualification-intro').waitFor();
      expect(await page.getByTestId('guideline-list').locator('section').count()).toBeGreaterThan(3);
      await page.screenshot({ path: path.join(SHOTS, 'contributor-onboarding-desktop.png'), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: path.join(SHOTS, 'contributor-onboarding-mobile.png'), fullPage: true });
      await page.setViewportSize({ width: 1366, height: 900 });

      await page.getByTestId('start-qualification').click();
      await page.waitForURL((url) => url.pathname === '/label');
      const banner = page.getByTestId('qualification-banner');
      await banner.waitFor({ timeout: 20_000 });
      expect(await banner.textContent()).toContain('0 of 1 clip answered'); // not "0 of 1 clips" (issue 14)
      const clip = page.getByTestId('clip');
      await clip.waitFor();
      const roundClip = (await clip.getAttribute('data-clip-id'))!;
      expect(answers.has(roundClip), 'the round serves a gold clip').toBe(true);
      await page.screenshot({ path: path.join(SHOTS, 'contributor-qualification-desktop.png'), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: path.join(SHOTS, 'contributor-qualification-mobile.png'), fullPage: true });
      await page.setViewportSize({ width: 1366, height: 900 });

      // G shows the guidelines over the clip; closing it keeps the same clip (and its lease).
      await page.keyboard.press('g');
      await page.getByTestId('guidelines-dialog').getByTestId('guideline-list').waitFor();
      await page.getByTestId('guidelines-dialog').getByRole('button', { name: 'Back to the clip' }).click();
      expect(await clip.getAttribute('data-clip-id')).toBe(roundClip);

      for (const tag of answers.get(roundClip)!) await page.locator(`[data-testid=clip] .chip[data-tag="${tag}"]`).click();
      await page.getByTestId('submit').click();
      await page.getByTestId('qualification-passed').waitFor({ timeout: 20_000 });
      const status = (await (await page.request.get(`${base}/api/me/qualification`)).json()) as { state: string };
      expect(status.state).toBe('qualified');

      // Labels normally: an ordinary clip, a vote that is stored.
      await page.getByTestId('qualification-continue').click();
      await page.waitForFunction(
        (gold) => {
          const el = document.querySelector('[data-testid=clip]');
          return el && !gold.includes(el.getAttribute('data-clip-id') ?? '');
        },
        [...answers.keys()],
      );
      const ordinary = (await clip.getAttribute('data-clip-id'))!;
      await page.locator('[data-testid=clip] .chip').first().click();
      const voted = page.waitForResponse((r) => r.url().endsWith('/api/votes') && r.request().method() === 'POST');
      await page.getByTestId('submit').click();
      const res = await voted;
      expect(res.status()).toBe(201);
      expect(((await res.json()) as { clipId: string }).clipId).toBe(ordinary);
      await ctx.close();
    } finally {
      await apage.request.patch(`${base}/api/admin/settings`, { data: { qualificationClips: before.qualificationClips } });
      await admin.close();
    }
  });
});
