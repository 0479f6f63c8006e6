import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { launch, signIn } from './browser';
import { listenForNoise, photographAndCheck } from './page-checks';

/**
 * Issue 18 in Chromium: projects of the two new question types. An admin creates a valence–arousal
 * project A and a pairwise project B over the demo clips through the API; a contributor added to A
 * only sees A on /projects, rates three clips in it (two with the keyboard alone, one with a click)
 * and is refused B as if it did not exist; a contributor of B answers two comparisons with 1 and 0.
 * The stored answers are read back through the admin's export. Both screens pass axe and fit a
 * 390 px phone, and are photographed.
 *
 * The files share one server and database and run in any order: this one makes its own users and
 * projects under unique slugs and counts only what it made.
 */

let browser: Browser;
const base = inject('baseUrl');

const DESKTOP = { viewport: { width: 1366, height: 900 } };
/** The phone screens in the dark theme: the desktop ones are light, so axe checks both themes' contrast. */
const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  colorScheme: 'dark' as const,
};

const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const SLUG_A = `va-e2e-${stamp}`;
const SLUG_B = `pair-e2e-${stamp}`;
const PASSWORD = 'projects-e2e-password-1';
const raterEmail = `rater-${stamp}@e2e.local`;
const comparerEmail = `comparer-${stamp}@e2e.local`;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

async function signInAs(context: BrowserContext, email: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 20_000 });
  return page;
}

const answered = (page: Page, slug: string) =>
  page.waitForResponse((r) => new URL(r.url()).pathname === `/api/projects/${slug}/answers` && r.request().method() === 'POST');

/** The body the screen sent with an answer, and the server's status for it. */
async function sent(response: Promise<Response>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await response;
  return { status: res.status(), body: res.request().postDataJSON() as Record<string, unknown> };
}

/** Waits until the screen shows another question than `attribute` = `was` on `selector`. */
async function nextQuestion(page: Page, selector: string, attribute: string, was: string): Promise<string> {
  await page.waitForFunction(
    ([sel, attr, old]) => {
      const el = document.querySelector(sel);
      return !!el && el.getAttribute(attr) !== old;
    },
    [selector, attribute, was] as const,
  );
  return (await page.locator(selector).getAttribute(attribute))!;
}

describe('projects: a valence–arousal and a pairwise labeling screen', () => {
  it('an admin makes two projects; each contributor sees and labels only their own', async () => {
    const admin = await browser.newContext();
    const apage = await admin.newPage();
    await signIn(apage, base, 'admin');
    for (const [email, name] of [
      [raterEmail, 'Project Rater'],
      [comparerEmail, 'Project Comparer'],
    ]) {
      const created = await apage.request.post(`${base}/api/admin/users`, {
        data: { email, name, role: 'contributor', password: PASSWORD },
      });
      expect(created.status(), await created.text()).toBe(201);
    }
    const projectA = await apage.request.post(`${base}/api/projects`, {
      data: {
        slug: SLUG_A,
        name: 'Feel of the demo clips',
        questionType: 'valence_arousal',
        clipFilter: { sources: ['demo'] },
        settings: { overlap: 3, leaseMinutes: 10 },
      },
    });
    expect(projectA.status(), await projectA.text()).toBe(201);
    const projectB = await apage.request.post(`${base}/api/projects`, {
      data: {
        slug: SLUG_B,
        name: 'Energy of the demo clips',
        questionType: 'pairwise',
        attribute: 'energetic',
        clipFilter: { sources: ['demo'] },
      },
    });
    expect(projectB.status(), await projectB.text()).toBe(201);
    for (const [slug, email] of [
      [SLUG_A, raterEmail],
      [SLUG_B, comparerEmail],
    ]) {
      const added = await apage.request.post(`${base}/api/projects/${slug}/members`, { data: { email, role: 'contributor' } });
      expect(added.status(), await added.text()).toBe(201);
    }

    // The rater: A on their projects page, B nowhere.
    const rater = await browser.newContext(DESKTOP);
    const page = await signInAs(rater, raterEmail);
    await page.goto(`${base}/projects`);
    await page.locator(`main a[href="/p/${SLUG_A}"]`).first().waitFor({ timeout: 20_000 });
    expect(await page.locator(`a[href="/p/${SLUG_B}"]`).count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toContain('Energy of the demo clips');

    const noise = listenForNoise(page);
    await page.goto(`${base}/p/${SLUG_A}`);
    const clip = page.getByTestId('clip');
    await clip.waitFor({ timeout: 20_000 });
    expect(await page.locator('main h1').textContent()).toBe('Feel of the demo clips');
    // Nothing is set for the person: no point, Submit off, Enter only asks for a point.
    expect(await page.getByTestId('circumplex-marker').count()).toBe(0);
    expect(await page.getByTestId('submit').isDisabled()).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByTestId('pick-hint').waitFor();
    await photographAndCheck(page, 'contributor-project-va-desktop');

    // Space pauses and plays the clip.
    const clipPlaying = () => page.getByTestId('clip-audio').evaluate((el: HTMLAudioElement) => !el.paused);
    await expect.poll(clipPlaying, { timeout: 20_000 }).toBe(true);
    await page.keyboard.press('Space');
    await expect.poll(clipPlaying).toBe(false);
    await page.keyboard.press('Space');
    await expect.poll(clipPlaying).toBe(true);

    // First clip, keyboard only: → → → ↑ ↑ from the centre is (+0.3, +0.2).
    const first = (await clip.getAttribute('data-clip-id'))!;
    for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight', 'ArrowUp', 'ArrowUp']) await page.keyboard.press(key);
    expect(await page.getByTestId('circumplex-readout').textContent()).toContain('valence +0.30, arousal +0.20');
    expect(await page.getByTestId('circumplex-valence').getAttribute('aria-valuetext')).toContain(
      'slightly pleasant, slightly energetic',
    );
    let answer = answered(page, SLUG_A);
    await page.keyboard.press('Enter');
    const one = await sent(answer);
    expect(one.status).toBe(201);
    expect(one.body).toMatchObject({ valence: 0.3, arousal: 0.2 });
    expect(one.body.idempotencyKey).toEqual(expect.any(String));

    // Second clip, still the keyboard: Shift+← twice is −0.5, ↓ once −0.1.
    const second = await nextQuestion(page, '[data-testid=clip]', 'data-clip-id', first);
    expect(await page.getByTestId('circumplex-marker').count(), 'a new clip starts with no point').toBe(0);
    for (const key of ['Shift+ArrowLeft', 'Shift+ArrowLeft', 'ArrowDown']) await page.keyboard.press(key);
    answer = answered(page, SLUG_A);
    await page.keyboard.press('Enter');
    const two = await sent(answer);
    expect(two.status).toBe(201);
    expect(two.body).toMatchObject({ valence: -0.5, arousal: -0.1 });
    expect(two.body.idempotencyKey).not.toBe(one.body.idempotencyKey);

    // Third clip with the mouse: a click three quarters right and a quarter down is about (+0.5, +0.5).
    const third = await nextQuestion(page, '[data-testid=clip]', 'data-clip-id', second);
    expect(new Set([first, second, third]).size).toBe(3);
    const plane = page.getByTestId('circumplex-plane');
    const box = (await plane.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.75, box.y + box.height * 0.25);
    await page.getByTestId('circumplex-marker').waitFor();
    answer = answered(page, SLUG_A);
    await page.getByTestId('submit').click();
    const three = await sent(answer);
    expect(three.status).toBe(201);
    expect(three.body.valence as number).toBeCloseTo(0.5, 1);
    expect(three.body.arousal as number).toBeCloseTo(0.5, 1);
    await nextQuestion(page, '[data-testid=clip]', 'data-clip-id', third);
    await expect.poll(() => page.getByTestId('done-count').textContent()).toBe('3 answers this session');
    expect(noise, 'the valence–arousal screen is quiet').toEqual([]);

    // B is not theirs: the same not-found page as a slug that does not exist, and a 404 from the API.
    const refused = await page.goto(`${base}/p/${SLUG_B}`);
    expect(refused?.status()).toBe(404);
    await page.getByTestId('project-not-found').waitFor();
    await photographAndCheck(page, 'contributor-project-not-found-desktop');
    expect(await page.locator('main').textContent()).not.toContain('Energy of the demo clips');
    expect((await page.request.get(`${base}/api/projects/${SLUG_B}/next`)).status()).toBe(404);
    expect((await page.request.get(`${base}/api/projects/no-such-${stamp}/next`)).status()).toBe(404);

    // A project with one clip: after the one rating, the screen says there is nothing left (a quiet 204).
    const SLUG_C = `va-one-e2e-${stamp}`;
    const projectC = await apage.request.post(`${base}/api/projects`, {
      data: {
        slug: SLUG_C,
        name: 'One clip',
        questionType: 'valence_arousal',
        clipFilter: { clipIds: [first] },
        settings: { overlap: 1, leaseMinutes: 10 },
      },
    });
    expect(projectC.status(), await projectC.text()).toBe(201);
    const addedC = await apage.request.post(`${base}/api/projects/${SLUG_C}/members`, {
      data: { email: raterEmail, role: 'contributor' },
    });
    expect(addedC.status(), await addedC.text()).toBe(201);
    const lastNoise = listenForNoise(page);
    await page.goto(`${base}/p/${SLUG_C}`);
    await clip.waitFor({ timeout: 20_000 });
    expect(await clip.getAttribute('data-clip-id')).toBe(first);
    answer = answered(page, SLUG_C);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    expect((await sent(answer)).status).toBe(201);
    const empty = page.getByTestId('project-empty');
    await empty.waitFor({ timeout: 20_000 });
    expect(await empty.textContent()).toContain('Nothing left for you in this project');
    expect(await empty.locator('a[href="/projects"]').count()).toBe(1);
    expect((await page.request.get(`${base}/api/projects/${SLUG_C}/next`)).status()).toBe(204);
    expect(lastNoise, 'an empty project is quiet').toEqual([]);
    await rater.close();

    // The same screen on a phone: the square and the words fit 390 px.
    const raterPhone = await browser.newContext(PHONE);
    const phone = await signInAs(raterPhone, raterEmail);
    await phone.goto(`${base}/p/${SLUG_A}`);
    await phone.getByTestId('clip').waitFor({ timeout: 20_000 });
    const phonePlane = (await phone.getByTestId('circumplex-plane').boundingBox())!;
    await phone.touchscreen.tap(phonePlane.x + phonePlane.width * 0.2, phonePlane.y + phonePlane.height * 0.8);
    expect(await phone.getByTestId('circumplex-readout').textContent()).toContain('unpleasant');
    await photographAndCheck(phone, 'contributor-project-va-mobile');

    // The contract's refusals, in the server's error shape: an expired lease and an already-rated clip
    // each leave a short line and a fresh clip on screen, and count nothing.
    for (const refusal of [
      { code: 'LEASE_EXPIRED', message: 'This lease has expired', line: 'ran out before the answer arrived' },
      { code: 'DUPLICATE', message: 'You already rated this clip', line: 'You had already answered' },
    ]) {
      await phone.route(
        `**/api/projects/${SLUG_A}/answers`,
        (route) =>
          route.fulfill({
            status: 409,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: refusal.code, message: refusal.message } }),
          }),
        { times: 1 },
      );
      const shown = (await phone.getByTestId('clip').getAttribute('data-clip-id'))!;
      // Measured again: the line of the last refusal moved the plane down.
      const at = (await phone.getByTestId('circumplex-plane').boundingBox())!;
      await phone.touchscreen.tap(at.x + at.width * 0.5, at.y + at.height * 0.3);
      await phone.getByTestId('circumplex-marker').waitFor();
      await phone.getByTestId('submit').tap();
      await expect.poll(() => phone.getByTestId('labeler-message').textContent()).toContain(refusal.line);
      expect(await phone.getByTestId('clip').getAttribute('data-clip-id')).not.toBe(shown);
    }
    expect(await phone.getByTestId('done-count').textContent()).toBe('0 answers this session');
    await raterPhone.close();

    // The comparer: 1 (A is more energetic), then 0 (about the same).
    const comparer = await browser.newContext(DESKTOP);
    const cpage = await signInAs(comparer, comparerEmail);
    const cnoise = listenForNoise(cpage);
    await cpage.goto(`${base}/p/${SLUG_B}`);
    const pair = cpage.getByTestId('pair');
    await pair.waitFor({ timeout: 20_000 });
    expect(await cpage.getByTestId('pair-question').textContent()).toBe('Which is more energetic?');
    // One clip sounds at a time: A starts on its own and B waits; B's key starts B and stops A, and back.
    const playing = () =>
      Promise.all(
        ['a', 'b'].map((side) =>
          cpage.locator(`[data-testid=side-${side}] audio`).evaluate((el: HTMLAudioElement) => !el.paused),
        ),
      );
    await expect.poll(playing, { timeout: 20_000 }).toEqual([true, false]);
    await cpage.keyboard.press('b');
    await expect.poll(playing).toEqual([false, true]);
    await cpage.keyboard.press('a');
    await expect.poll(playing).toEqual([true, false]);
    await photographAndCheck(cpage, 'contributor-project-pairwise-desktop');
    const pairOf = async () => `${await pair.getAttribute('data-clip-a')}|${await pair.getAttribute('data-clip-b')}`;
    const firstPair = await pairOf();
    answer = answered(cpage, SLUG_B);
    await cpage.keyboard.press('1');
    const chose = await sent(answer);
    expect(chose.status).toBe(201);
    expect(chose.body).toMatchObject({ choice: 'a' });
    await cpage.waitForFunction((old) => {
      const el = document.querySelector('[data-testid=pair]');
      return !!el && `${el.getAttribute('data-clip-a')}|${el.getAttribute('data-clip-b')}` !== old;
    }, firstPair);
    const secondPair = await pairOf();
    answer = answered(cpage, SLUG_B);
    await cpage.keyboard.press('0');
    const same = await sent(answer);
    expect(same.status).toBe(201);
    expect(same.body).toMatchObject({ choice: 'same' });
    await expect.poll(() => cpage.getByTestId('done-count').textContent()).toBe('2 answers this session');
    expect(cnoise, 'the pairwise screen is quiet').toEqual([]);
    await comparer.close();

    const comparerPhone = await browser.newContext(PHONE);
    const cphone = await signInAs(comparerPhone, comparerEmail);
    await cphone.goto(`${base}/p/${SLUG_B}`);
    await cphone.getByTestId('pair').waitFor({ timeout: 20_000 });
    // Stacked on a phone: B below A, not beside it.
    const sideA = (await cphone.getByTestId('side-a').boundingBox())!;
    const sideB = (await cphone.getByTestId('side-b').boundingBox())!;
    expect(sideB.y).toBeGreaterThanOrEqual(sideA.y + sideA.height);
    await photographAndCheck(cphone, 'contributor-project-pairwise-mobile');

    // A lost reply: the server stores the answer but the phone never hears back. The screen sends the
    // same key again, the server replays the first result, and the answer counts once.
    const keys: string[] = [];
    await cphone.route(`**/api/projects/${SLUG_B}/answers`, async (route) => {
      keys.push((route.request().postDataJSON() as { idempotencyKey: string }).idempotencyKey);
      if (keys.length > 1) return route.continue();
      await route.fetch();
      await route.abort('failed');
    });
    const thirdPair = `${await cphone.getByTestId('pair').getAttribute('data-clip-a')}|${await cphone.getByTestId('pair').getAttribute('data-clip-b')}`;
    const replayed = cphone.waitForResponse((r) => new URL(r.url()).pathname === `/api/projects/${SLUG_B}/answers`);
    await cphone.getByTestId('choose-b').tap();
    const replay = await replayed;
    expect(replay.status()).toBe(200);
    expect(await replay.json()).toMatchObject({ replayed: true, skipped: false });
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    await expect.poll(() => cphone.getByTestId('done-count').textContent()).toBe('1 answer this session');
    await comparerPhone.close();

    // What was stored, read back as the admin: the raw answers of each project (nobody else answers these two).
    const exported = async (slug: string) => {
      const res = await apage.request.get(`${base}/api/projects/${slug}/export?format=jsonl&what=answers`);
      expect(res.status(), await res.text()).toBe(200);
      return (await res.text())
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    };
    const ratings = await exported(SLUG_A);
    expect(ratings).toHaveLength(3);
    expect(new Set(ratings.map((r) => r.annotator)).size, 'one rater').toBe(1);
    const byClip = new Map(ratings.map((r) => [r.clip_id, r]));
    expect(byClip.get(first)).toMatchObject({ valence: 0.3, arousal: 0.2 });
    expect(byClip.get(second)).toMatchObject({ valence: -0.5, arousal: -0.1 });
    expect(byClip.get(third)!.valence as number).toBeCloseTo(0.5, 1);
    expect(byClip.get(third)!.arousal as number).toBeCloseTo(0.5, 1);

    const comparisons = await exported(SLUG_B);
    expect(comparisons.map((c) => `${c.clip_id}|${c.clip_b_id}:${c.choice}`).sort()).toEqual(
      [`${firstPair}:a`, `${secondPair}:same`, `${thirdPair}:b`].sort(),
    );
    const results = await apage.request.get(`${base}/api/projects/${SLUG_B}/results`);
    expect(results.status()).toBe(200);
    expect(((await results.json()) as { project: { slug: string } }).project.slug).toBe(SLUG_B);

    // The default tags project has its own screen.
    await apage.goto(`${base}/p/mood`);
    expect(new URL(apage.url()).pathname).toBe('/label');
    await admin.close();
  });
});
