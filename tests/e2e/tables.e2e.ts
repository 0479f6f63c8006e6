/**
 * Screens that scale (issue 14, item 5) as a browser sees them: the engineer lands on the loop
 * overview; the labels table filters, sorts and says which rows it shows; a new API token has a
 * copy button that puts the token on the clipboard; the admin's users table filters by role and
 * the jobs panel folds the routine per-minute runs into one line.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { encodeWav } from '@/lib/audio/wav';
import { launch, signIn } from './browser';

let browser: Browser;
const base = inject('baseUrl');

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

const ROUTINE = ['drain-votes', 'reap-leases', 'extract-pending', 'retrain-check', 'canary-check', 'dispatch-webhooks'];

describe('tables and first pages', () => {
  it('the engineer lands on /loop; the labels table sorts, filters and counts; a new token copies', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = await context.newPage();
    await signIn(page, base, 'engineer');
    expect(new URL(page.url()).pathname).toBe('/loop');

    await page.goto(`${base}/datasets`);
    const count = page.getByTestId('clip-labels-count');
    const all = Number(/of (\d+)/.exec((await count.textContent()) ?? '')?.[1]);
    expect(all).toBeGreaterThan(1);
    await expect
      .poll(async () => (await count.textContent()) ?? '')
      .toMatch(new RegExp(`^Clips 1–${Math.min(all, 50)} of ${all}\\.`));

    // Sort by title: the header says so, and descending is the ascending page reversed (one page).
    const titles = () => page.locator('[data-testid=clip-labels] tbody tr td:first-child').allTextContents();
    await page.getByRole('link', { name: 'Clip', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'title');
    expect(await page.locator('[data-testid=clip-labels] th[aria-sort=ascending]').textContent()).toContain('Clip');
    const ascending = await titles();
    await page.getByRole('link', { name: /^Clip/ }).click();
    await page.waitForURL((u) => u.searchParams.get('dir') === 'desc');
    expect(await page.locator('[data-testid=clip-labels] th[aria-sort=descending]').textContent()).toContain('Clip');
    if (all <= 50) expect(await titles()).toEqual([...ascending].reverse());

    // Search by a title: only matching rows, and the count says "matching".
    const needle = ascending[0];
    await page.fill('[data-testid=clip-labels-filters] input[name=q]', needle);
    await page.click('[data-testid=clip-labels-filters] button[type=submit]');
    await page.waitForURL((u) => u.searchParams.get('q') === needle);
    const found = await titles();
    expect(found.length).toBeGreaterThan(0);
    expect(found.length).toBeLessThan(all);
    for (const t of found) expect(t.toLowerCase()).toContain(needle.toLowerCase());
    expect(await count.textContent()).toContain('matching');
    // Sorting is kept while filtering.
    expect(new URL(page.url()).searchParams.get('sort')).toBe('title');

    // A state nobody has yet on a fresh demo, or one some have: either way every row shows it.
    await page.goto(`${base}/datasets?state=open`);
    const states = await page.locator('[data-testid=clip-labels] tbody tr td:nth-child(3)').allTextContents();
    for (const s of states) expect(s).toContain('open');

    // API token: created, copied with one click.
    await page.fill('input[aria-label="Name of the new token"]', 'e2e-copy');
    await page.click('text=Create token');
    const token = (await page.getByTestId('new-token').textContent()) ?? '';
    expect(token).toMatch(/^chorus_/);
    await page.getByTestId('copy-token').click();
    await expect.poll(() => page.getByTestId('copy-token').textContent()).toBe('Copied ✓');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await context.close();
  });

  it('the admin filters users by role and sees routine scheduled runs folded into one line', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, base, 'admin');
    await page.goto(`${base}/admin`);
    const roles = () =>
      page
        .locator('[data-testid=users-table] select[aria-label^="Role of"]')
        .evaluateAll((s) => s.map((e) => (e as HTMLSelectElement).value));
    await page.waitForSelector('[data-testid=users-table] tbody tr');
    const before = await roles();
    expect(new Set(before).size).toBeGreaterThan(1);
    await page.selectOption('[data-testid=user-filters] select >> nth=0', 'engineer');
    await expect.poll(async () => [...new Set(await roles())]).toEqual(['engineer']);
    expect(await page.getByTestId('users-pager').textContent()).toMatch(/matching/);

    // The vote drain chains itself every second: its runs are a count, not rows (unless one failed).
    await page.waitForSelector('[data-testid=routine-jobs]', { timeout: 30_000 });
    expect(await page.getByTestId('routine-jobs').textContent()).toContain('drain-votes');
    const rows = await page
      .locator('[data-testid=jobs-table] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.children[0].textContent ?? '', tr.children[1].textContent ?? '']));
    for (const [name, state] of rows) if (ROUTINE.includes(name)) expect(['failed', 'retrying']).toContain(state);

    // An uploaded clip's badge follows its extraction to the end instead of staying "extracting features".
    const sr = 22050;
    const gain = 0.2 + Math.random() * 0.2; // new content each run, so never a duplicate
    const tone = new Float32Array(sr * 3).map((_, k) => gain * Math.sin((2 * Math.PI * 330 * k) / sr));
    await page.setInputFiles('[data-testid=dropzone] input[type=file]', {
      name: `tables-e2e-${Date.now()}.wav`,
      mimeType: 'audio/wav',
      buffer: Buffer.from(encodeWav([tone], sr)),
    });
    await page.waitForSelector('[data-extraction]', { timeout: 30_000 });
    await page.waitForSelector('[data-extraction=ready]', { timeout: 120_000 });
    expect(await page.locator('[data-extraction]').first().textContent()).toContain('features ready');
    await context.close();
  });
});
