import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launch, signIn } from './browser';
import { listenForNoise, photographAndCheck } from './page-checks';

/**
 * Issue 18's project screens in Chromium: the installation admin creates a pairwise project on
 * /admin/projects with the keyboard-reachable form (inline errors first: a pairwise project without
 * an attribute, a taken slug), adds the demo expert as a member and changes and removes them; the
 * demo contributor finds the demo projects on /projects with a Label link and no Results link, the
 * demo expert a Results link. Both screens fit a 390 px phone and pass axe, and are photographed.
 * The files share one server: this one makes its projects under unique slugs.
 */

let browser: Browser;
const base = inject('baseUrl');
const DESKTOP = { viewport: { width: 1366, height: 900 } };
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

describe('project screens', () => {
  it('the admin creates a pairwise project from the form, with inline errors first, and manages its members', async () => {
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    await signIn(page, base, 'admin');
    await page.goto(`${base}/admin/projects`);
    const form = page.getByTestId('project-form');
    await form.waitFor({ timeout: 20_000 });

    await page.getByLabel('Name', { exact: true }).fill(`Brighter ${stamp}`);
    expect(await page.getByLabel('Slug (in its address /p/…)').inputValue()).toBe(`brighter-${stamp}`);
    await page.getByLabel('Pairwise: which of two clips is more …?').check();
    await page.getByRole('button', { name: 'Create project' }).click();
    // No attribute: said under the attribute field, which gets the keyboard.
    await page.locator('#project-attribute-error').waitFor();
    expect(await page.locator('#project-attribute-error').textContent()).toContain('needs an attribute');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-field'))).toBe('attribute');

    await page.getByLabel('Attribute (which of these two is more …?)').fill('bright');
    await page.getByLabel('Slug (in its address /p/…)').fill('energy'); // the demo's own project
    await page.getByLabel('The clips of one source').check();
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.locator('#project-slug-error').waitFor();
    expect(await page.locator('#project-slug-error').textContent()).toContain('already exists');
    await photographAndCheck(page, 'admin-projects-errors-desktop');

    await page.getByLabel('Slug (in its address /p/…)').fill(`bright-${stamp}`);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByTestId('project-created').waitFor();
    expect(await page.getByTestId('project-created').textContent()).toMatch(/Created “Brighter .*” with \d+ clips/);
    const row = page.locator(`tr[data-project="bright-${stamp}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('which of two clips is more bright?');

    // Its members panel opened: add the demo expert, make them an expert, remove them.
    const members = page.getByTestId(`members-bright-${stamp}`);
    await members.getByLabel('Email').fill('expert@demo.chorus.local');
    await members.getByLabel('Role in this project').selectOption('contributor');
    await members.getByRole('button', { name: 'Add member' }).click();
    const member = members.locator('tr[data-member="expert@demo.chorus.local"]');
    await member.waitFor();
    await member.getByLabel(/Role of expert@demo.chorus.local/).selectOption('expert');
    await members.getByText('expert@demo.chorus.local is expert in').waitFor();
    await members.getByLabel('Email').fill('nobody@nowhere.example');
    await members.getByRole('button', { name: 'Add member' }).click();
    await members.getByRole('alert').waitFor();
    expect(await members.getByRole('alert').textContent()).toContain('nobody@nowhere.example');
    await photographAndCheck(page, 'admin-projects-desktop');
    await member.getByRole('button', { name: /Remove expert@demo.chorus.local/ }).click();
    await members.getByText('No members yet').waitFor();

    const phone = await (await browser.newContext(PHONE)).newPage();
    await signIn(phone, base, 'admin');
    await phone.goto(`${base}/admin/projects`);
    await phone.getByTestId('project-form').waitFor();
    await phone.getByRole('button', { name: 'Members of Energy ranking' }).click();
    await phone.getByTestId('members-energy').locator('tr[data-member]').first().waitFor();
    await photographAndCheck(phone, 'admin-projects-phone');
  });

  it('the demo contributor sees the demo projects to label; the expert also their results', async () => {
    for (const [role, viewport] of [
      ['contributor', DESKTOP],
      ['expert', PHONE],
    ] as const) {
      const page = await (await browser.newContext(viewport)).newPage();
      await signIn(page, base, role);
      await page.goto(`${base}/projects`);
      const energy = page.locator('li[data-project="energy"]');
      await energy.waitFor({ timeout: 20_000 });
      expect(await energy.textContent()).toContain('which of two clips is more energetic?');
      expect(await energy.textContent()).toContain(`Your role ${role}`);
      expect(await energy.locator('a[href="/p/energy"]').textContent()).toBe('Label');
      expect(await page.locator('li[data-project="va-pilot"] a[href="/p/va-pilot"]').count()).toBe(1);
      expect(await page.locator('li[data-project="mood"] a[href="/label"]').count()).toBe(1);
      expect(await energy.locator('a[href="/p/energy/results"]').count()).toBe(role === 'expert' ? 1 : 0);
      await photographAndCheck(page, `projects-${role}-${viewport === PHONE ? 'phone' : 'desktop'}`);
    }
  });
});
