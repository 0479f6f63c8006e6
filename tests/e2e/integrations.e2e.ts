import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launch, signIn } from './browser';

/**
 * Issue 15 in Chromium: an admin grants and revokes a contributor's qualification by hand on
 * /admin/qualification (the audit log has both, with the note), and registers a webhook on
 * /admin/webhooks (the signing secret is shown once and the list never shows it).
 */

let browser: Browser;
const base = inject('baseUrl');
const SHOTS = process.env.CHORUS_SCREENSHOTS ?? path.join(process.cwd(), '.artifacts', 'screens');

beforeAll(async () => {
  browser = await launch();
  fs.mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => browser?.close());

describe('admin: qualification by hand and webhooks', () => {
  it('grants and revokes a qualification with a note, audited', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await ctx.newPage();
    await signIn(page, base, 'admin');
    const email = `vouched-${Date.now()}@e2e.local`;
    const created = await page.request.post(`${base}/api/admin/users`, {
      data: { email, name: 'Vouched Contributor', role: 'contributor', password: 'vouched-password' },
    });
    expect(created.status(), await created.text()).toBe(201);
    const userId = ((await created.json()) as { id: string }).id;

    await page.goto(`${base}/admin`);
    await page.getByRole('link', { name: 'Qualification' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/qualification');
    const row = page.getByTestId(`qualification-row-${email}`);
    await row.waitFor();
    expect(await row.textContent()).toContain('no round yet');
    // A grant needs a note.
    await row.getByRole('button', { name: 'Grant' }).click();
    await page.getByTestId('qualification-message').filter({ hasText: 'a few words' }).waitFor();
    await row.getByLabel('Note for Vouched Contributor').fill('annotated our pilot set');
    await row.getByRole('button', { name: 'Grant' }).click();
    await page.getByTestId('qualification-message').filter({ hasText: 'granted' }).waitFor();
    await row.filter({ hasText: 'qualified (granted' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'admin-qualification-desktop.png'), fullPage: true });

    await row.getByLabel('Note for Vouched Contributor').fill('answers look random');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('qualification-message').filter({ hasText: 'revoked' }).waitFor();
    await row.getByRole('button', { name: 'Grant' }).waitFor();

    const audit = (await (await page.request.get(`${base}/api/admin/audit?action=qualification.grant&limit=50`)).json()) as {
      rows: { entityId: string; after: { note?: string } }[];
    };
    expect(audit.rows.find((r) => r.entityId === userId)?.after.note).toBe('annotated our pilot set');
    const revoked = (await (await page.request.get(`${base}/api/admin/audit?action=qualification.revoke&limit=50`)).json()) as {
      rows: { entityId: string; after: { note?: string } }[];
    };
    expect(revoked.rows.find((r) => r.entityId === userId)?.after.note).toBe('answers look random');
    await ctx.close();
  });

  it('registers a webhook, shows its secret once, switches it off and reads its delivery log', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await ctx.newPage();
    await signIn(page, base, 'admin');
    await page.goto(`${base}/admin/webhooks`);
    const form = page.getByTestId('webhook-form');
    await form.getByLabel('URL').fill('http://127.0.0.1:9/hooks/chorus');
    await form.getByLabel(/model\.promoted/).check();
    await form.getByLabel('Description').fill('data warehouse');
    await form.getByRole('button', { name: 'Register' }).click();
    const secret = page.getByTestId('webhook-secret');
    await secret.waitFor();
    const shown = (await secret.locator('code').first().textContent()) ?? '';
    expect(shown).toMatch(/^whsec_/);
    const list = page.getByTestId('webhook-list');
    await list.filter({ hasText: 'http://127.0.0.1:9/hooks/chorus' }).waitFor();
    expect(await list.textContent()).toContain('clip.settled, model.promoted');
    await page.screenshot({ path: path.join(SHOTS, 'admin-webhooks-desktop.png'), fullPage: true });
    await secret.getByRole('button', { name: 'I have copied it' }).click();
    await page.reload();
    expect(await page.content()).not.toContain(shown);

    await list.getByRole('button', { name: 'Switch off' }).first().click();
    await page.getByTestId('webhook-message').filter({ hasText: 'switched off' }).waitFor();
    await list.getByRole('button', { name: 'Deliveries' }).first().click();
    await page
      .getByTestId('webhook-deliveries')
      .filter({ hasText: /No delivery yet|Event/ })
      .waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'admin-webhooks-mobile.png'), fullPage: true });
    await ctx.close();
  });
});
