import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launch, signIn } from './browser';

let browser: Browser;
const base = inject('baseUrl');
/** Set CHORUS_SCREENSHOTS=<dir> to keep PNGs of the form (desktop and phone). */
const shots = process.env.CHORUS_SCREENSHOTS;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

describe('snapshot row count on /datasets', () => {
  it('shows the rows the filters select as they change, and asks before creating a 0-row snapshot, naming the filter', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, base, 'engineer');
    await page.goto(`${base}/datasets`);
    const count = page.getByTestId('snapshot-count');
    await expect.poll(async () => (await count.textContent()) ?? '', { timeout: 20_000 }).toMatch(/^Selects /);

    // A date range before any clip existed empties the selection, whatever else the other tests labelled.
    await page.fill('input[name=to]', '2001-01-01');
    await expect.poll(async () => count.getAttribute('data-rows'), { timeout: 10_000 }).toBe('0');
    const expected = (await (
      await page.request.post(`${base}/api/datasets/count`, { data: { filters: { to: '2001-01-01' } } })
    ).json()) as { rows: number; emptyReason: string };
    expect(expected.rows).toBe(0);
    expect(await count.textContent()).toContain(expected.emptyReason);

    if (shots) {
      fs.mkdirSync(shots, { recursive: true });
      await page.setViewportSize({ width: 1366, height: 900 });
    }
    await page.fill('input[name=name]', 'e2e-empty');
    await page.getByTestId('snapshot-submit').click();
    const dialog = page.getByTestId('snapshot-empty-confirm');
    await dialog.waitFor({ timeout: 10_000 });
    const said = (await dialog.textContent()) ?? '';
    expect(said).toContain('This snapshot would have 0 rows.');
    expect(said.toLowerCase()).toContain(expected.emptyReason.toLowerCase());
    if (shots) await page.getByTestId('snapshot-form').screenshot({ path: path.join(shots, 'datasets-empty-confirm-desktop.png') });

    // Back to the filters: nothing was created.
    await page.getByTestId('snapshot-empty-cancel').click();
    expect(await dialog.count()).toBe(0);
    expect(((await page.getByTestId('snapshot-created').textContent()) ?? '').trim()).toBe('');

    // Asked again and confirmed: the empty snapshot is queued.
    await page.getByTestId('snapshot-submit').click();
    await dialog.waitFor();
    if (shots) {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByTestId('snapshot-form').screenshot({ path: path.join(shots, 'datasets-empty-confirm-mobile.png') });
    }
    await page.getByTestId('snapshot-empty-create').click();
    await expect.poll(async () => (await page.getByTestId('snapshot-created').textContent()) ?? '', { timeout: 10_000 }).toMatch(/^Queued e2e-empty v\d+/);

    // Clearing the filter: the count no longer blames it.
    await page.fill('input[name=to]', '');
    await expect.poll(async () => (await count.textContent()) ?? '', { timeout: 10_000 }).not.toContain('2001-01-01');
    if (shots) {
      await page.setViewportSize({ width: 1366, height: 900 });
      await page.getByTestId('snapshot-form').screenshot({ path: path.join(shots, 'datasets-count-desktop.png') });
    }
    await context.close();
  });
});
