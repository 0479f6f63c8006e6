import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEFAULT_QUALITY_SETTINGS } from '@/lib/crowd/quality';
import { encodeWav } from '@/lib/audio/wav';
import { launch, signIn } from './browser';

let browser: Browser;
const base = inject('baseUrl');
/** Set CHORUS_SCREENSHOTS=<dir> to keep PNGs of the paused page and the admin's view (desktop and phone). */
const shots = process.env.CHORUS_SCREENSHOTS;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

async function signInAs(page: Page, email: string, password: string) {
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 20_000 });
}

/** A short two-tone clip, different for each `i` (so each upload is a new clip). */
function toneWav(i: number): Buffer {
  const sr = 22050;
  const x = new Float32Array(sr * 4);
  for (let k = 0; k < x.length; k++) x[k] = 0.25 * Math.sin((2 * Math.PI * (180 + 23 * i) * k) / sr) + 0.15 * Math.sin((2 * Math.PI * (270 + 31 * i) * k) / sr);
  return Buffer.from(encodeWav([x], sr));
}

async function screenshot(context: BrowserContext, url: string, name: string) {
  if (!shots) return;
  fs.mkdirSync(shots, { recursive: true });
  for (const [label, viewport] of [
    ['desktop', { width: 1366, height: 900 }],
    ['mobile', { width: 390, height: 844 }],
  ] as const) {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    await page.goto(url);
    await page.screenshot({ path: path.join(shots, `${name}-${label}.png`), fullPage: true });
    await page.close();
  }
}

describe('a paused contributor sees why and can appeal; an admin unpauses with a note', () => {
  it('too-fast answers → paused page with the check and its numbers → appeal → admin sees both and unpauses', async () => {
    // A contributor of our own, so the demo contributor other tests use stays active.
    const admin = await browser.newContext();
    const apage = await admin.newPage();
    await signIn(apage, base, 'admin');
    const email = `quick-${randomBytes(3).toString('hex')}@example.test`;
    const password = 'quick-listener-password';
    const created = await apage.request.post(`${base}/api/admin/users`, { data: { email, name: 'Quick Listener', role: 'contributor', password } });
    expect(created.status()).toBe(201);
    const userId = ((await created.json()) as { id: string }).id;
    // Clips of our own, so the check has enough answers to judge whatever the other e2e files
    // (one server, one catalog, any order) have already voted on.
    for (let i = 0; i < DEFAULT_QUALITY_SETTINGS.minVotesForJudgement + 2; i++) {
      const uploaded = await apage.request.post(`${base}/api/clips`, {
        multipart: { file: { name: `quick-${i}.wav`, mimeType: 'audio/wav', buffer: toneWav(i) }, title: `Quick tone ${i} ${email}`, artist: 'e2e' },
      });
      expect(uploaded.status(), await uploaded.text()).toBe(201);
    }

    // Answer every clip the queue hands out after 0.3 s of listening.
    const contributor = await browser.newContext();
    const page = await contributor.newPage();
    await signInAs(page, email, password);
    let answered = 0;
    for (let i = 0; i < 40; i++) {
      const next = await page.request.get(`${base}/api/queue/next`);
      if (next.status() !== 200) break;
      const item = (await next.json()) as { lease: { id: string }; taxonomy: { tags: { key: string }[] }; question: { tag: string } | null };
      const common = { leaseId: item.lease.id, idempotencyKey: `quick-${i}-${item.lease.id}`, listenedMs: 300 };
      const body = item.question
        ? { ...common, kind: 'targeted', answer: i % 2 === 0 }
        : { ...common, kind: 'vote', tags: [item.taxonomy.tags[i % item.taxonomy.tags.length].key] };
      const vote = await page.request.post(`${base}/api/votes`, { data: body });
      expect(vote.status(), await vote.text()).toBeLessThan(300);
      answered++;
    }
    expect(answered).toBeGreaterThanOrEqual(10);

    // The engineer runs the full aggregation (as the schedule would); the spam checks pause the account.
    const engineer = await browser.newContext();
    const epage = await engineer.newPage();
    await signIn(epage, base, 'engineer');
    expect((await epage.request.post(`${base}/api/crowd/aggregate`, { data: {} })).status()).toBe(202);
    await expect
      .poll(async () => ((await (await page.request.get(`${base}/api/me/pause`)).json()) as { status: string }).status, { timeout: 60_000, interval: 1000 })
      .toBe('paused');
    await engineer.close();

    // The labelling page sends them to the paused page, which names the check with its numbers.
    await page.goto(`${base}/label`);
    await page.waitForURL((url) => url.pathname === '/paused', { timeout: 20_000 });
    const reasons = page.getByTestId('pause-reasons');
    await reasons.waitFor();
    const tooFast = reasons.locator('li[data-check="too_fast"]');
    expect(await tooFast.count()).toBe(1);
    const text = (await tooFast.textContent()) ?? '';
    expect(text).toContain('Answers came faster than the clips could be heard');
    expect(text).toMatch(new RegExp(`Your latest ${Math.min(answered, DEFAULT_QUALITY_SETTINGS.tooFastWindow)} answers came after a median 0\\.3 s of listening each`));
    expect(text).toMatch(/The limit is \d+ %/);
    expect(await page.getByText('Not for your role').count()).toBe(0);

    // Appeal: the form checks the length with the API's schema before sending.
    await page.getByTestId('appeal-text').fill('short');
    await page.getByTestId('appeal-submit').click();
    await page.getByTestId('appeal-error').waitFor();
    const appeal = 'I skimmed to the chorus on purpose; I will listen to each excerpt from now on.';
    await page.getByTestId('appeal-text').fill(appeal);
    await page.getByTestId('appeal-submit').click();
    await expect.poll(async () => (await page.getByTestId('appeal-status').textContent()) ?? '', { timeout: 10_000 }).toContain('Appeal sent');
    await screenshot(contributor, `${base}/paused`, 'paused');

    // The admin's users list shows the reason and the appeal; unpausing needs a note.
    await apage.goto(`${base}/admin`);
    const details = apage.locator(`tr[data-user-id="${userId}"] + tr [data-testid="pause-details"]`);
    await details.waitFor({ timeout: 20_000 });
    expect(await details.locator('[data-check="too_fast"]').textContent()).toContain(`Your latest ${Math.min(answered, DEFAULT_QUALITY_SETTINGS.tooFastWindow)} answers`);
    expect(await details.getByTestId('pause-appeal').textContent()).toContain(appeal);
    await screenshot(admin, `${base}/admin`, 'admin-paused');
    await details.getByRole('button', { name: 'Unpause' }).click();
    await details.getByRole('alert').waitFor();
    await details.getByLabel(/Note for the record/).fill('Talked it through; one more chance.');
    await details.getByRole('button', { name: 'Unpause' }).click();
    await expect
      .poll(async () => apage.locator(`tr[data-user-id="${userId}"] select`).nth(1).inputValue(), { timeout: 10_000 })
      .toBe('active');
    expect(await apage.locator(`tr[data-user-id="${userId}"] + tr [data-testid="pause-details"]`).count()).toBe(0);
    await admin.close();

    // Back to labelling.
    await page.goto(`${base}/label`);
    await page.waitForLoadState('domcontentloaded');
    expect(new URL(page.url()).pathname).toBe('/label');
    await contributor.close();
  });
});
