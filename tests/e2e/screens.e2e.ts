import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launch, signIn } from './browser';
import { listenForNoise, photographAndCheck } from './page-checks';

/**
 * Every role's main screens, desktop and phone, in the light and the dark theme:
 * - axe-core finds no serious or critical accessibility violation (issue 14, item 7);
 * - the console stays quiet: no errors, no warnings, no failed requests (favicon, empty queues,
 *   preload hints — issue 14, item 6);
 * - nothing makes the page scroll sideways, on a phone too (a table scrolls inside itself);
 * - a full-page screenshot of each is saved under .artifacts/screens/ (git-ignored; CI keeps the
 *   folder as a build artifact) so a reviewer can look at the app without running it (item 8).
 * And the theme toggle: the system's scheme picks the theme until the toggle stores a choice, which
 * outlives a reload (issue 14, item 2).
 */

let browser: Browser;
const base = inject('baseUrl');

const VIEWPORTS = {
  desktop: { viewport: { width: 1366, height: 900 } },
  mobile: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
} as const;

/** The system colour scheme the browser reports; the app follows it until the toggle stores a choice. */
const THEMES = ['light', 'dark'] as const;

/** The main screens per role (null: signed out). A screen is ready once one of `ready` is on it. */
const SCREENS: { role: string | null; path: string; ready: string[] }[] = [
  { role: null, path: '/login', ready: ['input[name=email]'] },
  { role: 'contributor', path: '/label', ready: ['[data-testid=clip]', '[data-testid=queue-empty]'] },
  { role: 'expert', path: '/review', ready: ['[data-testid=review]', '[data-testid=review-empty]'] },
  { role: 'expert', path: '/review/gold', ready: ['main h1'] },
  { role: 'engineer', path: '/loop', ready: ['main h1, main h2'] },
  { role: 'engineer', path: '/models', ready: ['main h1, main h2'] },
  { role: 'engineer', path: '/datasets', ready: ['main h1, main h2'] },
  { role: 'admin', path: '/admin', ready: ['main h1, main h2'] },
  { role: 'admin', path: '/admin/audit', ready: ['[data-testid=audit-count]'] },
  // Projects (issue 18): the demo seeds a valence–arousal and a pairwise project with the demo contributor and expert as members.
  { role: 'contributor', path: '/projects', ready: ['[data-testid=projects-page]'] },
  { role: 'contributor', path: '/p/va-pilot', ready: ['[data-testid=clip]', '[data-testid=project-empty]'] },
  { role: 'contributor', path: '/p/energy', ready: ['[data-testid=pair]', '[data-testid=project-empty]'] },
  { role: 'expert', path: '/p/va-pilot/results', ready: ['[data-testid=project-results]'] },
  { role: 'expert', path: '/p/energy/results', ready: ['[data-testid=project-results]'] },
  { role: 'admin', path: '/admin/projects', ready: ['[data-testid=project-list]'] },
  { role: null, path: '/listen', ready: ['[data-testid=now-playing]', '[data-testid=listen-empty]'] },
];

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

async function check(context: BrowserContext, screen: (typeof SCREENS)[number], variant: string) {
  const page = await context.newPage();
  const noise = listenForNoise(page);
  await page.goto(`${base}${screen.path}`);
  expect(new URL(page.url()).pathname, `${screen.role ?? 'visitor'} lands on ${screen.path}`).toBe(screen.path);
  await page.locator(screen.ready.join(', ')).first().waitFor({ timeout: 30_000 });
  // Client data (react-query) and the next clip's preload settle.
  await page.waitForLoadState('load');
  await page.waitForTimeout(1500);
  const name = `${screen.role ?? 'visitor'}${screen.path.replace(/\//g, '-')}-${variant}`;
  await photographAndCheck(page, name);
  expect(noise, `${name}: console and network noise`).toEqual([]);
  await page.close();
}

describe("every role's main screens: accessible, quiet, and photographed", () => {
  for (const theme of THEMES) {
    for (const viewport of Object.keys(VIEWPORTS) as (keyof typeof VIEWPORTS)[]) {
      for (const role of [null, 'contributor', 'expert', 'engineer', 'admin']) {
        const screens = SCREENS.filter((s) => s.role === role);
        it(`${role ?? 'signed out'} · ${viewport} · ${theme}: ${screens.map((s) => s.path).join(', ')}`, async () => {
          const context = await browser.newContext({ ...VIEWPORTS[viewport], colorScheme: theme });
          if (role) await signIn(await context.newPage(), base, role);
          for (const screen of screens) await check(context, screen, `${viewport}-${theme}`);
          await context.close();
        });
      }
    }
  }

  it('the theme follows the system until the toggle picks one, and the choice outlives a reload', async () => {
    const background = (page: Page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const themed: Record<string, string> = {};
    for (const theme of THEMES) {
      const context = await browser.newContext({ colorScheme: theme });
      const page = await context.newPage();
      await page.goto(`${base}/login`);
      themed[theme] = await background(page);
      await context.close();
    }
    expect(themed.light, 'the light and the dark page have different backgrounds').not.toBe(themed.dark);

    const context = await browser.newContext({ colorScheme: 'light' });
    const page = await context.newPage();
    const noise = listenForNoise(page);
    await signIn(page, base, 'engineer');
    const toggle = page.getByTestId('theme-toggle');
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
    expect(await background(page)).toBe(themed.light);
    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await background(page)).toBe(themed.dark);
    // The stored choice is applied before the page paints: the boot script has set it by the time
    // the document is parsed, before React hydrates.
    await page.reload({ waitUntil: 'domcontentloaded' });
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await background(page)).toBe(themed.dark);
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
    // Keyboard users see where they are: a solid 3 px ring on the focused control.
    for (let i = 0; i < 30 && !(await toggle.evaluate((el) => el === document.activeElement)); i++)
      await page.keyboard.press('Tab');
    const ring = await toggle.evaluate((el) => {
      const style = getComputedStyle(el);
      return { focusVisible: el.matches(':focus-visible'), style: style.outlineStyle, width: style.outlineWidth };
    });
    expect(ring).toEqual({ focusVisible: true, style: 'solid', width: '3px' });
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    await page.reload();
    expect(await background(page)).toBe(themed.light);
    expect(noise, 'no hydration warning or other noise').toEqual([]);
    await context.close();
  });

  it('an empty crowd queue is a quiet 204 and says so on screen', async () => {
    const admin = await browser.newContext();
    const apage = await admin.newPage();
    await signIn(apage, base, 'admin');
    const email = `empty-queue-${Date.now()}@demo.chorus.local`;
    const password = 'empty-queue-password-1';
    const created = await apage.request.post(`${base}/api/admin/users`, {
      data: { email, name: 'Finished Contributor', role: 'contributor', password },
    });
    expect(created.status()).toBe(201);
    await admin.close();

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 20_000 });
    // Answer every clip through the API (at a listener's pace) until the queue has nothing left for this person.
    let last = 0;
    for (let i = 0; i < 100; i++) {
      const next = await page.request.get(`${base}/api/queue/next`);
      last = next.status();
      if (last !== 200) break;
      const item = (await next.json()) as { lease: { id: string }; taxonomy: { tags: { key: string }[] }; question: unknown };
      const common = { leaseId: item.lease.id, idempotencyKey: `empty-${item.lease.id}`, listenedMs: 25_000 };
      const data = item.question
        ? { ...common, kind: 'targeted', answer: true }
        : { ...common, kind: 'vote', tags: [item.taxonomy.tags[0].key] };
      const vote = await page.request.post(`${base}/api/votes`, { data });
      expect(vote.status(), await vote.text()).toBeLessThan(300);
    }
    expect(last, 'an empty queue answers 204 No Content').toBe(204);

    const label = await context.newPage();
    const noise = listenForNoise(label);
    const answered = label.waitForResponse((r) => new URL(r.url()).pathname === '/api/queue/next');
    await label.goto(`${base}/label`);
    expect((await answered).status()).toBe(204);
    await label.getByTestId('queue-empty').waitFor({ timeout: 20_000 });
    expect(await label.getByTestId('queue-empty').textContent()).toContain('All caught up');
    await label.waitForTimeout(500);
    expect(noise).toEqual([]);
    await context.close();
  });
});
