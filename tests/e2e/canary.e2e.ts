/**
 * The /models canary panel in Chromium on a fresh install (issue 20): before any model exists the
 * engineer copies the active (feature) embedding version into a ready one — an A/A check — starts
 * a canary of it for half the new sessions, watches anonymous listeners land in both arms with the
 * like-rate difference and its always-valid interval, and stops it; the stop is listed with its
 * reason and the ready version is no longer served to anybody.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, signIn } from './browser';

let browser: Browser;
const base = inject('baseUrl');

beforeAll(async () => {
  browser = await launch();
  const deadline = Date.now() + 120_000;
  for (;;) {
    await fetch(`${base}/api/recommend/mood?blend=calm`).catch(() => undefined);
    const health = (await (await fetch(`${base}/api/health`)).json()) as {
      recommender?: { activeVersion: { id: number } | null };
    };
    if (health.recommender?.activeVersion) break;
    if (Date.now() > deadline) throw new Error('no embedding version became active in time');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
});
afterAll(async () => browser?.close());

/** One anonymous listener: a session, five tracks, the first liked and the rest skipped. */
async function listen(): Promise<void> {
  const created = await fetch(`${base}/api/listen/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ personalization: true }),
  });
  expect(created.status).toBe(201);
  const { sessionId } = (await created.json()) as { sessionId: string };
  const next = (await (await fetch(`${base}/api/listen/sessions/${sessionId}/next?k=5`)).json()) as {
    results: { clipId: string }[];
  };
  expect(next.results.length).toBeGreaterThan(0);
  for (const [i, r] of next.results.entries()) {
    const res = await fetch(`${base}/api/listen/sessions/${sessionId}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: i === 0 ? 'like' : 'skip', clipId: r.clipId }),
    });
    expect(res.status).toBeLessThan(300);
  }
}

describe('canary panel', () => {
  it('an engineer starts an A/A canary from the UI, sees both arms fill, and stops it', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await signIn(page, base, 'engineer');
    await page.goto(`${base}/models`);
    const panel = page.getByTestId('embedding-canary');
    await panel.waitFor();

    // Nothing ready on a fresh install: copy the active version into a ready one.
    await page.getByTestId('canary-copy').click();
    await page.waitForFunction(
      () => (document.querySelector('select[name=canaryVersion]') as HTMLSelectElement | null)?.value !== '',
    );
    const version = Number(await page.locator('select[name=canaryVersion]').inputValue());
    expect(version).toBeGreaterThan(0);
    const overview = (await (await page.request.get(`${base}/api/models/canary`)).json()) as { readyVersions: { id: number }[] };
    expect(overview.readyVersions.map((v) => v.id)).toContain(version);

    // Half the new sessions, and more sessions than this test makes before a promotion.
    await page.fill('input[name=share]', '0.5');
    await page.fill('input[name=minSessions]', '1000');
    await page.getByTestId('canary-start').click();
    await page.getByTestId('canary-result').waitFor();
    expect(await panel.textContent()).toContain(`Version ${version} serves 50.0 % of new sessions`);

    for (let i = 0; i < 16; i++) await listen();
    await page.reload();
    await page.getByTestId('canary-result').waitFor();
    const rows = await panel.locator('table').first().locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    const api = (await (await page.request.get(`${base}/api/models/canary`)).json()) as {
      running: {
        canary: { canaryVersion: number };
        control: { sessions: number; likeRate: number };
        treatment: { sessions: number; likeRate: number };
      };
    };
    expect(api.running.canary.canaryVersion).toBe(version);
    // Every listener liked one of five: like rate 20 % in both arms; 16 sessions split between them.
    expect(api.running.control.sessions + api.running.treatment.sessions).toBeGreaterThanOrEqual(16);
    expect(api.running.control.sessions).toBeGreaterThan(0);
    expect(api.running.treatment.sessions).toBeGreaterThan(0);
    expect(api.running.control.likeRate).toBeCloseTo(0.2, 5);
    expect(api.running.treatment.likeRate).toBeCloseTo(0.2, 5);
    const result = (await page.getByTestId('canary-result').textContent()) ?? '';
    expect(result).toMatch(/Like rate difference \+0\.0 pts \(always-valid 95 % interval/);
    expect(result).toContain('Decision so far: continue');
    await page.screenshot({ path: 'test-results/canary-running.png', fullPage: true }).catch(() => undefined);

    await page.getByTestId('canary-stop').click();
    await page.getByTestId('canary-start').waitFor();
    await page.waitForSelector('td:has-text("stopped by hand")');
    const after = (await (await page.request.get(`${base}/api/models/canary`)).json()) as {
      running: unknown;
      recent: { status: string; canaryVersion: number }[];
    };
    expect(after.running).toBeNull();
    expect(after.recent[0]).toMatchObject({ status: 'stopped', canaryVersion: version });
    await context.close();
  });
});
