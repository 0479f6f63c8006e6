import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/**
 * The checks every photographed screen is held to (issue 14): a quiet console, no sideways scroll
 * on a 390 px phone, no serious or critical axe violation. Screenshots go to .artifacts/screens/
 * (git-ignored; CI keeps the folder) or CHORUS_SCREENSHOTS.
 */

export const SHOTS = process.env.CHORUS_SCREENSHOTS ?? path.join(process.cwd(), '.artifacts', 'screens');
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Console errors and warnings, and every response of 400 or more, from the moment it is called. */
export function listenForNoise(page: Page): string[] {
  const noise: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') noise.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => noise.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) noise.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  return noise;
}

/**
 * No page scrolls sideways. A phone's innerWidth grows with an overflowing page, so the width asked
 * for is the measure; a wide table scrolls inside itself and screen-reader-only controls sit off
 * screen on purpose. The first culprits are named.
 */
export async function expectNoSidewaysScroll(page: Page, name: string): Promise<void> {
  const width = page.viewportSize()!.width;
  const overflow = await page.evaluate((vw) => {
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > vw + 1 && el.closest('table, .table-scroll, .visually-hidden') === null)
      .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 40)}"`);
    return { scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 5) };
  }, width);
  expect(
    overflow.scrollWidth,
    `${name}: page wider than the ${width} px screen: ${overflow.wide.join('; ')}`,
  ).toBeLessThanOrEqual(width + 1);
}

/** Serious and critical axe-core violations, one line each with the nodes they hit. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  // evaluate is not subject to the page's CSP (a <script> tag would be).
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    type Violation = { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] };
    const run = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Violation[] }> } }).axe
      .run;
    return (await run(document, { resultTypes: ['violations'] })).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
  });
}

/** A full-page screenshot named `name`, then the sideways-scroll and axe checks. */
export async function photographAndCheck(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.waitForLoadState('load');
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  await expectNoSidewaysScroll(page, name);
  expect(await seriousAxeViolations(page), `${name}: serious or critical axe violations`).toEqual([]);
}
