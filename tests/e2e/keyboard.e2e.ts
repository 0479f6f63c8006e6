import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launch, signIn, openClipsFewestVotesFirst } from './browser';

let browser: Browser;
const base = inject('baseUrl');

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

/** WCAG contrast ratio of an element's text on its own (opaque-blended) background. */
async function contrast(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((el) => {
    const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    // Blend the badge's own (possibly translucent) background over its parent's.
    const [pr, pg, pb] = parse(getComputedStyle(el.parentElement!).backgroundColor);
    const [br, bg, bb, ba = 1] = parse(getComputedStyle(el).backgroundColor);
    const back = [br * ba + pr * (1 - ba), bg * ba + pg * (1 - ba), bb * ba + pb * (1 - ba)];
    const fore = parse(getComputedStyle(el).color);
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const [l1, l2] = [lum(fore), lum(back)].sort((a, b) => b - a);
    return (l1 + 0.05) / (l2 + 0.05);
  });
}

const paused = (page: Page, selector: string) => page.locator(selector).evaluate((el) => (el as HTMLAudioElement).paused);
const focusedTag = (page: Page) => page.evaluate(() => document.activeElement?.tagName ?? '');

describe('one keyboard model on /label, /review and /listen', () => {
  it('/label: Space plays after a chip click, the mood hint clears, F asks why, ? lists the keys, badges are readable', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, base, 'contributor');
    await page.goto(`${base}/label`);
    await page.getByTestId('clip').waitFor({ timeout: 20_000 });
    // A yes/no question has no mood chips: skip to a mood clip.
    for (let i = 0; i < 5 && (await page.locator('[data-testid=clip] .chip').count()) === 0; i++) {
      const id = await page.getByTestId('clip').getAttribute('data-clip-id');
      await page.keyboard.press('s');
      await page.waitForFunction((prev) => document.querySelector('[data-testid=clip]')?.getAttribute('data-clip-id') !== prev, id);
    }
    const firstId = (await page.getByTestId('clip').getAttribute('data-clip-id'))!;

    // Enter with no mood says what to do; picking a mood clears it.
    await page.keyboard.press('Enter');
    await page.getByTestId('pick-hint').waitFor();
    expect(await page.getByTestId('clip').getAttribute('data-clip-id'), 'nothing was sent').toBe(firstId);

    // A mouse click on a chip selects it and hands the keyboard back: Space is play/pause, not the chip.
    const chip = page.locator('[data-testid=clip] .chip').first();
    await chip.click();
    expect(await chip.getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('pick-hint').count(), 'the hint left once a mood was picked').toBe(0);
    await page.waitForFunction(() => (document.querySelector('[data-testid=clip-audio]') as HTMLAudioElement | null)?.readyState! >= 1);
    const before = await paused(page, '[data-testid=clip-audio]');
    await chip.focus(); // even when the chip itself has the focus
    await page.keyboard.press(' ');
    await expect.poll(() => paused(page, '[data-testid=clip-audio]')).toBe(!before);
    expect(await chip.getAttribute('aria-pressed'), 'Space did not toggle the focused chip').toBe('true');

    // Key badges on a selected chip and on Submit: readable, not a black box.
    expect(await contrast(page, '[data-testid=clip] .chip[aria-pressed="true"] kbd')).toBeGreaterThanOrEqual(4.5);
    expect(await contrast(page, '[data-testid=submit] kbd')).toBeGreaterThanOrEqual(4.5);

    // ? lists this screen's keys; while it is open the screen's keys are off.
    await page.keyboard.press('?');
    const help = page.getByTestId('hotkey-help');
    await help.waitFor({ state: 'visible' });
    const helpText = (await help.textContent()) ?? '';
    for (const words of ['Play / pause', 'Toggle a mood', 'Submit the moods', 'Skip this clip', 'Flag a problem']) expect(helpText).toContain(words);
    await page.keyboard.press('s');
    expect(await page.getByTestId('clip').getAttribute('data-clip-id'), 'S inside the overlay did not skip').toBe(firstId);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    // F asks for a reason; Escape cancels and nothing is flagged.
    await page.keyboard.press('f');
    const flag = page.getByTestId('flag-dialog');
    await flag.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await flag.waitFor({ state: 'hidden' });
    expect(await page.getByTestId('clip').getAttribute('data-clip-id')).toBe(firstId);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'the keyboard is back on the work area').toBe('work-area');

    // F again, with a reason typed in: the clip is flagged with it and the next clip comes.
    const flagged = page.waitForRequest((r) => r.url().endsWith('/api/votes') && r.method() === 'POST');
    await page.keyboard.press('f');
    await flag.waitFor({ state: 'visible' });
    await flag.getByLabel('Describe the problem').fill('clicks and pops all through');
    await page.keyboard.press('Enter');
    const body = (await flagged).postDataJSON() as { kind: string; reason: string };
    expect(body).toMatchObject({ kind: 'flag', reason: 'clicks and pops all through' });
    await page.waitForFunction((prev) => document.querySelector('[data-testid=clip]')?.getAttribute('data-clip-id') !== prev, firstId);
    // The next clip's keys work at once: the dialog's text box does not keep the keyboard.
    if ((await page.locator('[data-testid=clip] .chip').count()) > 0) {
      await page.keyboard.press('2');
      expect(await page.locator('[data-testid=clip] .chip').nth(1).getAttribute('aria-pressed')).toBe('true');
    }
    await context.close();
  });

  it('/label: 0 and N answer "none of these"; U and Ctrl+Z undo it and bring the clip back', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, base, 'contributor');
    await page.goto(`${base}/label`);
    await page.getByTestId('clip').waitFor({ timeout: 20_000 });
    for (let i = 0; i < 5 && (await page.locator('[data-testid=clip] .chip').count()) === 0; i++) {
      const id = await page.getByTestId('clip').getAttribute('data-clip-id');
      await page.keyboard.press('s');
      await page.waitForFunction((prev) => document.querySelector('[data-testid=clip]')?.getAttribute('data-clip-id') !== prev, id);
    }
    const clipId = (await page.getByTestId('clip').getAttribute('data-clip-id'))!;
    expect(await page.getByTestId('none-of-these').count(), 'a "None of these" button beside Submit').toBe(1);
    const undone: string[] = [];
    for (const [noneKey, undoKey] of [
      ['0', 'u'],
      ['n', 'Control+z'],
    ] as const) {
      // The answer: a vote of kind "none", sent at once; the next clip comes and the toast offers undo.
      const sent = page.waitForResponse((r) => r.url().endsWith('/api/votes') && r.request().method() === 'POST');
      await page.keyboard.press(noneKey);
      const response = await sent;
      expect(response.request().postDataJSON()).toMatchObject({ kind: 'none' });
      expect(response.status()).toBe(201);
      const { voteId } = (await response.json()) as { voteId: string };
      await page.waitForFunction((prev) => document.querySelector('[data-testid=clip]')?.getAttribute('data-clip-id') !== prev, clipId);
      await page.getByTestId('undo-toast').getByText('Answer saved').waitFor();
      // Undo: the server takes the answer back and the same clip is in front again, moods cleared.
      const undoing = page.waitForResponse((r) => r.url().endsWith('/api/votes/undo'));
      await page.keyboard.press(undoKey);
      const undoResponse = await undoing;
      expect(undoResponse.status()).toBe(200);
      expect(undoResponse.request().postDataJSON()).toEqual({ voteId });
      await page.waitForFunction((id) => document.querySelector('[data-testid=clip]')?.getAttribute('data-clip-id') === id, clipId);
      await page.getByTestId('undo-toast').waitFor({ state: 'detached' });
      expect(await page.locator('[data-testid=clip] .chip[aria-pressed="true"]').count()).toBe(0);
      undone.push(voteId);
    }
    // ? lists both keys.
    await page.keyboard.press('?');
    const helpText = (await page.getByTestId('hotkey-help').textContent()) ?? '';
    expect(helpText).toContain('None of these moods fit');
    expect(helpText).toContain('Undo your last answer');
    await page.keyboard.press('Escape');
    await context.close();

    // Both undos are in the audit log, by this contributor, for exactly those answers.
    const admin = await browser.newContext();
    const apage = await admin.newPage();
    await signIn(apage, base, 'admin');
    const audit = (await (await apage.request.get(`${base}/api/admin/audit?action=vote.undo&limit=200`)).json()) as {
      rows: { entityId: string; actorEmail: string | null }[];
    };
    for (const id of undone) {
      expect(audit.rows.find((r) => r.entityId === id)?.actorEmail, `undo of ${id} audited`).toBe('contributor@demo.chorus.local');
    }
    await admin.close();
  });

  it('/review: Ctrl+Enter in the note settles and the next keys go to the next clip; Enter with every mood "no" asks first', async () => {
    const engineer = await browser.newContext();
    const epage = await engineer.newPage();
    await signIn(epage, base, 'engineer');
    const clips = (await (await epage.request.get(`${base}/api/clips?limit=200`)).json()) as { items: { id: string; labelState: string; voteCount: number }[] };
    // Three, as one may be a gold clip (never served for review); all are settled below.
    const targets = openClipsFewestVotesFirst(clips.items).slice(0, 3);
    expect(targets).toHaveLength(3);
    for (const t of targets) expect((await epage.request.post(`${base}/api/clips/${t.id}/escalate`)).status()).toBe(200);
    await engineer.close();

    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, base, 'expert');
    await page.goto(`${base}/review`);
    const review = page.getByTestId('review');
    await review.waitFor({ timeout: 20_000 });
    const firstId = (await review.getAttribute('data-clip-id'))!;
    const pressed = page.locator('[data-testid=review-tags] .chip[aria-pressed="true"]');
    while ((await pressed.count()) > 0) await pressed.first().click(); // mouse: the last chip clicked keeps no keyboard

    // Every mood "no": Enter asks before settling; Escape goes back.
    await page.keyboard.press('Enter');
    const confirm = page.getByTestId('confirm-none');
    await confirm.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect(await review.getAttribute('data-clip-id'), 'nothing was settled').toBe(firstId);

    // Why this clip is here: words on the page, the formula only inside "How the queue priority is computed".
    const why = page.getByTestId('why-here');
    const words = await why.evaluate((el) => {
      const copy = el.cloneNode(true) as HTMLElement;
      copy.querySelector('details')?.remove();
      return copy.textContent ?? '';
    });
    expect(words.length).toBeGreaterThan(20);
    expect(words, 'no bare priority arithmetic in the sentence').not.toMatch(/priority \d|\d\.\d{2,}/);
    if ((await page.getByTestId('priority-formula').count()) > 0) {
      expect(await page.getByTestId('priority-formula').textContent()).toMatch(/^priority \d\.\d{3}/);
    }
    // Neighbours, when shown, are playable and their distance is in words.
    for (const row of await page.locator('[data-testid=neighbours] tr').all()) {
      expect(await row.getByRole('button', { name: /^Play / }).count()).toBe(1);
      expect(await row.textContent()).not.toMatch(/\d\.\d{2}/);
    }

    // The Settle badge is readable.
    expect(await contrast(page, '[data-testid=settle] kbd')).toBeGreaterThanOrEqual(4.5);

    // 2 and 3 by keyboard, N for the note, Ctrl+Enter from inside it.
    await page.keyboard.press('2');
    await page.keyboard.press('3');
    expect(await pressed.count()).toBe(2);
    await page.keyboard.press('n');
    expect(await focusedTag(page)).toBe('TEXTAREA');
    await page.keyboard.type('23 typed in the note');
    expect(await pressed.count(), 'digits typed into the note are text, not shortcuts').toBe(2);
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(
      (id) => {
        const next = document.querySelector('[data-testid=review]');
        return !!next && next.getAttribute('data-clip-id') !== id;
      },
      firstId,
      { timeout: 10_000 },
    );

    // The expert keyboard trap: the next keys must reach the next clip, not its note.
    expect(await focusedTag(page), 'the note box let go of the keyboard').not.toBe('TEXTAREA');
    const before = await pressed.count();
    await page.keyboard.press('2');
    expect(await page.locator('#review-note').inputValue(), 'nothing was typed into the next note').toBe('');
    const after = await pressed.count();
    expect(Math.abs(after - before)).toBe(1);
    // Settle the rest (with a mood each), so the review queue is left empty as it was found.
    for (let i = 0; i < 5 && (await page.getByTestId('review-empty').count()) === 0; i++) {
      if ((await pressed.count()) === 0) await page.keyboard.press('1');
      const id = await review.getAttribute('data-clip-id');
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        (prev) => {
          const next = document.querySelector('[data-testid=review]');
          return (!!next && next.getAttribute('data-clip-id') !== prev) || !!document.querySelector('[data-testid=review-empty]');
        },
        id,
        { timeout: 10_000 },
      );
    }
    await page.getByTestId('review-empty').waitFor();
    await context.close();
  });

  it('/listen: Space plays/pauses after a mood chip click; the Like badge is readable', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/listen`);
    await page.getByTestId('now-playing').waitFor({ timeout: 30_000 });
    expect(await contrast(page, '[data-testid=like] kbd')).toBeGreaterThanOrEqual(4.5);
    await page.waitForFunction(() => (document.querySelector('[data-testid=now-playing] audio') as HTMLAudioElement | null)?.readyState! >= 1);
    const chip = page.locator('[data-mood]').first();
    await chip.click();
    await page.waitForFunction(() => document.querySelector('[data-testid=listen]')?.getAttribute('data-busy') === '0');
    const state = await chip.getAttribute('aria-pressed');
    const before = await paused(page, '[data-testid=now-playing] audio');
    await page.keyboard.press(' ');
    await expect.poll(() => paused(page, '[data-testid=now-playing] audio')).toBe(!before);
    expect(await chip.getAttribute('aria-pressed'), 'Space did not toggle the chip').toBe(state);
    await page.keyboard.press('?');
    await page.getByTestId('hotkey-help').waitFor({ state: 'visible' });
    expect(await page.getByTestId('hotkey-help').textContent()).toContain('Like this track');
    await context.close();
  });
});
