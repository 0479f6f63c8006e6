import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launch, signIn } from './browser';

let browser: Browser;
const base = inject('baseUrl');

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

/** The engineer's /models page: strategy, "Retrain now" with live job progress, the registry. */
async function exerciseModelsPage(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/models`);
  await page.waitForSelector('[data-testid=model-registry]');
  await page.waitForSelector('[data-testid=strategy-form]');

  // Strategy: pick margin, save, and the API reports it.
  await page.selectOption('[data-testid=strategy-form] select[name=strategy]', 'margin');
  await page.click('[data-testid=strategy-form] button[type=submit]');
  await page.waitForSelector('text=Saved; the next rescore applies it');
  const strategy = await page.request.get(`${baseUrl}/api/models/strategy`);
  expect(((await strategy.json()) as { strategy: string }).strategy).toBe('margin');

  // Retrain: the job shows up with progress and finishes (a catalog with too few labels is
  // still rescored — cold-start diversity — so the job completes either way).
  await page.click('[data-testid=retrain]');
  await page.waitForSelector('[data-testid=job-retrain]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid=job-retrain][data-state=completed]', { timeout: 120_000 });
  const jobs = (await (await page.request.get(`${baseUrl}/api/jobs`)).json()) as {
    jobs: { name: string; state: string; result: unknown }[];
  };
  const run = jobs.jobs.find((j) => j.name === 'retrain');
  expect(run?.state).toBe('completed');
  const models = (await (await page.request.get(`${baseUrl}/api/models`)).json()) as { models: { status: string }[] };
  expect(Array.isArray(models.models)).toBe(true);

  // The e2e catalog (12 clips) is too small for a model: the empty state says how far the first
  // one is and why the retrain was refused, instead of a bare "No model yet".
  expect(models.models).toEqual([]);
  await page.reload();
  const empty = (await page.getByTestId('no-model').textContent()) ?? '';
  expect(empty).toMatch(/\d+ more settled clips until the first model \(\d+ of about 25/);
  expect(empty).toContain('The last retrain was refused: Not enough labels to train');
}

describe('models page', () => {
  it('an engineer sets the query strategy and retrains with live progress; a contributor is kept out', async () => {
    const engineer = await browser.newContext();
    const page = await engineer.newPage();
    await signIn(page, base, 'engineer');
    await exerciseModelsPage(page, base);
    await engineer.close();

    const contributor = await browser.newContext();
    const cpage = await contributor.newPage();
    await signIn(cpage, base, 'contributor');
    expect((await cpage.request.get(`${base}/api/models`)).status()).toBe(403);
    expect((await cpage.request.post(`${base}/api/models/retrain`, { data: {} })).status()).toBe(403);
    await cpage.goto(`${base}/models`);
    expect(new URL(cpage.url()).pathname).toBe('/forbidden');
    await contributor.close();
  });
});
