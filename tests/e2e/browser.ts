import { chromium, type Browser, type Page } from 'playwright-core';
import { E2E_PASSWORD } from './server';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, with the flags this sandboxed, offline machine needs. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export async function signIn(page: Page, base: string, role: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=email]', `${role}@demo.chorus.local`);
  await page.fill('input[name=password]', E2E_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 20_000 });
}

/**
 * Open clips, fewest votes first. The e2e files share one server and catalog and run in any order,
 * so a file must not assume that clips nobody has voted on are still there.
 */
export function openClipsFewestVotesFirst<T extends { labelState: string; voteCount: number }>(items: T[]): T[] {
  return items.filter((c) => c.labelState === 'open').sort((a, b) => a.voteCount - b.voteCount);
}
