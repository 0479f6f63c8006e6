import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { encodeWav } from '@/lib/audio/wav';
import { ROUTE_ACCESS } from '@/lib/http/access';
import { launch, signIn } from './browser';
import { E2E_PASSWORD } from './server';

/**
 * The browser half of the security suite, against the production build:
 * hostile titles, artists and (through a new user's name) other text render as text in
 * Chromium — no dialog opens, no injected handler runs — on the labeling page and /datasets;
 * every page and API response carries the security headers; sign-in answers 429 with
 * Retry-After past its limits; the built server exposes metrics and request ids.
 */
let browser: Browser;
const base = inject('baseUrl');

const MARK = randomBytes(3).toString('hex');
// Each payload would set a window flag or open a dialog if it ever ran.
const TITLE = `<script>window.__xss=1;alert('t')</script><img src=x onerror="window.__xss=2;alert('i')"> ${MARK}`;
const ARTIST = `'); drop table clips;-- <svg onload="window.__xss=3;alert('s')"> =HYPERLINK("http://evil.example","x")`;

beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => browser?.close());

/** Watches a page for anything a payload could do: dialogs, and the window flags. */
function watch(page: Page) {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return {
    dialogs,
    async flags() {
      return page.evaluate(() => (window as unknown as { __xss?: number }).__xss ?? null);
    },
  };
}

function toneWav(): Buffer {
  const sr = 22050;
  const x = new Float32Array(sr * 4);
  let seed = 7;
  for (let i = 0; i < x.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    x[i] = 0.25 * Math.sin((2 * Math.PI * 220 * i) / sr) + 0.15 * Math.sin((2 * Math.PI * 331 * i) / sr) + 0.05 * (seed / 0x7fffffff - 0.5);
  }
  return Buffer.from(encodeWav([x], sr));
}

describe('hostile text renders as text', () => {
  it('on the labeling page and on /datasets, no script runs and the text is shown exactly', async () => {
    const admin = await browser.newContext();
    const apage = await admin.newPage();
    await signIn(apage, base, 'admin');
    const uploaded = await apage.request.post(`${base}/api/clips`, {
      multipart: { file: { name: `<img src=x onerror=alert(9)>.wav`, mimeType: 'audio/wav', buffer: toneWav() }, title: TITLE, artist: ARTIST },
    });
    expect(uploaded.status()).toBe(201);
    const clipId = ((await uploaded.json()) as { results: { clipId: string }[] }).results[0].clipId;
    // A fresh contributor, so the queue has everything left for them; the name is hostile too.
    const email = `xss-${MARK}@e2e.test`;
    const created = await apage.request.post(`${base}/api/admin/users`, {
      data: { email, name: `<script>alert('n')</script> ${MARK}`, role: 'contributor', password: 'e2e-xss-password' },
    });
    expect(created.status()).toBe(201);
    await admin.close();

    const contributor = await browser.newContext();
    const page = await contributor.newPage();
    const w = watch(page);
    await page.goto(`${base}/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'e2e-xss-password');
    await page.click('button[type=submit]');
    await page.waitForURL((url) => url.pathname === '/label', { timeout: 20_000 });
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      const clip = page.getByTestId('clip');
      await clip.waitFor({ timeout: 20_000 });
      const id = await clip.getAttribute('data-clip-id');
      if (id === clipId) {
        found = true;
        break;
      }
      await page.keyboard.press('s');
      await page.waitForFunction((prev) => document.querySelector('[data-testid=clip]')?.getAttribute('data-clip-id') !== prev, id, { timeout: 10_000 });
    }
    expect(found, 'the hostile clip reached the contributor').toBe(true);
    expect((await page.getByTestId('clip-title').textContent())?.trim()).toBe(TITLE);
    await expect.poll(() => page.getByText(ARTIST, { exact: true }).count()).toBeGreaterThan(0);
    await page.waitForTimeout(500);
    expect(w.dialogs).toEqual([]);
    expect(await w.flags()).toBeNull();
    expect(await page.locator('[data-testid=clip] script, [data-testid=clip] img[src=x], [data-testid=clip] svg[onload]').count()).toBe(0);
    await contributor.close();

    const engineer = await browser.newContext();
    const epage = await engineer.newPage();
    const ew = watch(epage);
    await signIn(epage, base, 'engineer');
    await epage.goto(`${base}/datasets`);
    const row = epage.locator(`tr[data-clip-id="${clipId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect((await row.locator('td').nth(0).textContent())?.trim()).toBe(TITLE);
    expect((await row.locator('td').nth(1).textContent())?.trim()).toBe(ARTIST);
    await epage.waitForTimeout(500);
    expect(ew.dialogs).toEqual([]);
    expect(await ew.flags()).toBeNull();
    expect(await epage.locator('table script, table img[src=x], table svg[onload]').count()).toBe(0);
    await engineer.close();
  });
});

describe('security headers on every response of the built server', () => {
  function expectHeaders(res: Response, what: string) {
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp, `${what}: CSP`).toMatch(/frame-ancestors 'none'/);
    expect(csp, `${what}: CSP`).toMatch(/default-src 'self'/);
    expect(res.headers.get('x-content-type-options'), `${what}: nosniff`).toBe('nosniff');
    expect(res.headers.get('x-frame-options'), `${what}: framing`).toBe('DENY');
    expect(res.headers.get('referrer-policy'), `${what}: referrer`).toBe('same-origin');
  }

  it('pages (signed out and in), 404s, static assets', async () => {
    for (const p of ['/', '/login', '/label', '/datasets', '/admin', '/review', '/forbidden', '/no-such-page']) {
      expectHeaders(await fetch(`${base}${p}`, { redirect: 'manual' }), p);
    }
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen: string[] = [];
    page.on('response', (r) => {
      if (!r.url().startsWith(base)) return;
      const h = r.headers();
      if (!/frame-ancestors 'none'/.test(h['content-security-policy'] ?? '') || h['x-content-type-options'] !== 'nosniff') seen.push(r.url());
    });
    await signIn(page, base, 'engineer');
    await page.goto(`${base}/datasets`);
    await page.waitForLoadState('networkidle');
    expect(seen, 'responses without the headers').toEqual([]);
    await context.close();
  });

  it('every API route and method in the access table, and next-auth', async () => {
    const id = '00000000-0000-4000-8000-000000000001';
    for (const [route, methods] of Object.entries(ROUTE_ACCESS)) {
      for (const method of Object.keys(methods)) {
        const url = `${base}${route.replace(/\[(\.\.\.)?[a-z]+\]/gi, (_m, rest) => (rest ? 'x/y' : id))}`;
        const res = await fetch(url, { method, redirect: 'manual', body: method === 'GET' || method === 'DELETE' ? undefined : '{}', headers: { 'content-type': 'application/json' } });
        expectHeaders(res, `${method} ${route}`);
        expect(res.headers.get('x-request-id'), `${method} ${route}: request id`).toBeTruthy();
        await res.body?.cancel();
      }
    }
    for (const p of ['/api/auth/session', '/api/auth/csrf', '/api/auth/providers', '/api/no-such-route']) expectHeaders(await fetch(`${base}${p}`), p);
  });
});

describe('sign-in rate limits on the built server', () => {
  async function csrf(): Promise<{ token: string; cookie: string }> {
    const res = await fetch(`${base}/api/auth/csrf`);
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    return { token: ((await res.json()) as { csrfToken: string }).csrfToken, cookie };
  }

  async function attempt(email: string, ip: string, c: { token: string; cookie: string }) {
    return fetch(`${base}/api/auth/callback/credentials`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: c.cookie, 'x-forwarded-for': ip },
      body: new URLSearchParams({ email, password: 'wrong-password', csrfToken: c.token, json: 'true', callbackUrl: base }),
    });
  }

  it('one client IP past its burst gets 429 with Retry-After; next-auth alone would have said 401', async () => {
    // The bucket (burst 20, 1 token/s) refills while each refused password costs an argon2 check,
    // so the count of answers let through is bounded by burst + elapsed seconds, not a fixed 20.
    const c = await csrf();
    const ip = `203.0.113.${Math.floor(Math.random() * 200) + 20}`;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    const started = Date.now();
    const send = async (i: number) => {
      const res = await attempt(`nobody-${i}-${MARK}@e2e.test`, ip, c);
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        const body = (await res.json()) as { error: { code: string }; url: string };
        expect(body.error.code).toBe('RATE_LIMITED');
        expect(body.url).toMatch(/error=RATE_LIMITED/);
      } else await res.body?.cancel();
    };
    for (let i = 0; i < 120 && retryAfter === null; i++) await send(i);
    const elapsedS = (Date.now() - started) / 1000;
    expect(statuses.slice(0, 15).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20 + Math.ceil(elapsedS) + 1);
    // Refusals are cheap (no argon2), so the next few come back refused as well.
    for (let i = 0; i < 4; i++) await send(1000 + i);
    expect(statuses.slice(-4).filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('finding 6: lockout cannot be used against a user — one email failing from many IPs is not locked; from one IP it slows to 429', async () => {
    const c = await csrf();
    const email = `victim-${MARK}@e2e.test`;
    // An attacker rotating addresses: every attempt is judged (401), none locks the email.
    const spread: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await attempt(email, `198.51.100.${i + 10}`, c);
      spread.push(res.status);
      await res.body?.cancel();
    }
    expect(spread).toEqual([401, 401, 401, 401, 401, 401, 401, 401]);
    // One address guessing one email slows down after five failures.
    const statuses: number[] = [];
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await attempt(email, '198.51.100.60', c);
      statuses.push(res.status);
      if (res.status === 429) waits.push(Number(res.headers.get('retry-after')));
      await res.body?.cancel();
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
    expect(waits.every((x) => x >= 1)).toBe(true);
    // …and the owner, from their own address, is still judged on the password.
    const owner = await attempt(email, '192.0.2.200', c);
    expect(owner.status).toBe(401);
    await owner.body?.cancel();
  });

  it('the sign-in form stays usable when throttled (no exception, an error shown)', async () => {
    // Failures that count are the ones let through: five quick ones, then one after each wait
    // (1 s, 2 s, 4 s) puts this email 8 s into its slowdown.
    const email = `form-${MARK}@e2e.test`;
    const c = await csrf();
    // (All from the browser's address: failures elsewhere do not slow this address down.)
    for (let i = 0; i < 5; i++) await (await attempt(email, '192.0.2.77', c)).body?.cancel();
    for (const wait of [1100, 2100, 4100]) {
      await new Promise((r) => setTimeout(r, wait));
      const res = await attempt(email, '192.0.2.77', c);
      expect(res.status).toBe(401);
      await res.body?.cancel();
    }
    const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': '192.0.2.77' } });
    const page = await context.newPage();
    const errors: string[] = [];
    const throttled: number[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('response', (r) => {
      if (r.url().includes('/api/auth/callback/credentials') && r.status() === 429) throttled.push(r.status());
    });
    await page.goto(`${base}/login`);
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await page.locator('form').getByRole('alert').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('button[type=submit]').isEnabled()).toBe(true);
    expect(throttled).toEqual([429]);
    expect(errors).toEqual([]);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });
});

describe('operations endpoints on the built server', () => {
  it('metrics for an engineer session (prom-client works inside the Next bundle), and request ids in and out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, base, 'engineer');
    const res = await page.request.get(`${base}/api/metrics`, { headers: { 'x-request-id': `e2e-${MARK}` } });
    expect(res.status()).toBe(200);
    expect(res.headers()['x-request-id']).toBe(`e2e-${MARK}`);
    const text = await res.text();
    expect(text).toMatch(/chorus_http_request_duration_seconds_bucket\{[^}]*route="\/api\/clips"/);
    expect(text).toMatch(/chorus_queue_depth\{[^}]*state="open"[^}]*\} \d+/);
    expect(text).toMatch(/chorus_rate_limited_total\{[^}]*limit="signin"/);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds/);
    const contributor = await browser.newContext();
    const cpage = await contributor.newPage();
    await signIn(cpage, base, 'contributor');
    expect((await cpage.request.get(`${base}/api/metrics`)).status()).toBe(403);
    await contributor.close();
    await context.close();
  });
});

/**
 * Finding 6 (issue 22): "CSP keeps 'unsafe-inline' for scripts". Attacker's view: any inline
 * script that reached a page would have run. Now every page response has its own nonce, the
 * policy has no 'unsafe-inline' for scripts, and every script Next writes carries the nonce —
 * so the pages still hydrate (sign-in works) without a single CSP violation.
 */
describe("finding 6: nonce-based CSP without 'unsafe-inline' for scripts, and the pages still work", () => {
  const nonceOf = (csp: string) => /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];

  it('each page response has a fresh nonce, no unsafe-inline for scripts, and every script tag carries that nonce', async () => {
    const seen = new Set<string>();
    for (const p of ['/login', '/login', '/listen', '/no-such-page']) {
      const res = await fetch(`${base}${p}`, { redirect: 'manual' });
      const csp = res.headers.get('content-security-policy') ?? '';
      const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src')) ?? '';
      expect(scriptSrc, p).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
      const nonce = nonceOf(scriptSrc);
      expect(nonce, `${p}: a nonce in script-src`).toBeTruthy();
      expect(seen.has(nonce!), `${p}: nonce reused`).toBe(false);
      seen.add(nonce!);
      const html = await res.text();
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length, `${p}: scripts in the page`).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag, p).toContain(`nonce="${nonce}"`);
    }
  });

  it('in Chromium: sign-in and the role pages hydrate with no CSP violation', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to (execute|load)/i.test(m.text())) violations.push(m.text());
    });
    page.on('pageerror', (e) => violations.push(`pageerror: ${e.message}`));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        (window as unknown as { __csp?: string[] }).__csp ??= [];
        (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    await signIn(page, base, 'admin'); // the login form is client-side: this only works once it hydrated
    for (const p of ['/label', '/admin', '/datasets', '/listen']) {
      await page.goto(`${base}${p}`);
      await page.waitForLoadState('networkidle');
      expect(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []), p).toEqual([]);
    }
    expect(violations).toEqual([]);
    await context.close();
  });
});

/** A browser context with its own client address, so sign-ins here do not share a rate-limit bucket. */
async function contextFrom(ip: string) {
  return browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': ip } });
}

async function signInAs(page: Page, role: string, path = '/login'): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.fill('input[name=email]', `${role}@demo.chorus.local`);
  await page.fill('input[name=password]', E2E_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 20_000 }).catch(() => undefined);
}

describe('finding 3: open redirect — signing in with a hostile callbackUrl stays on this origin', () => {
  for (const probe of ['/%5Cevil.test/x', '/%09/evil.test/x', '//evil.test/x', '/%5C%5Cevil.test', 'https://evil.test/x', 'javascript:alert(1)']) {
    it(`/login?callbackUrl=${probe}`, async () => {
      const context = await contextFrom(`192.0.2.${Math.floor(Math.random() * 200) + 20}`);
      const page = await context.newPage();
      const w = watch(page);
      const requested: string[] = [];
      page.on('request', (r) => requested.push(new URL(r.url()).host));
      await signInAs(page, 'contributor', `/login?callbackUrl=${probe}`);
      await expect.poll(() => new URL(page.url()).origin, { timeout: 20_000 }).toBe(base);
      expect(new URL(page.url()).pathname).not.toBe('/login');
      expect(requested.filter((h) => h.includes('evil.test'))).toEqual([]);
      expect(w.dialogs).toEqual([]);
      await context.close();
    });
  }

  it('a good callback with a query string is kept', async () => {
    const context = await contextFrom('192.0.2.240');
    const page = await context.newPage();
    await signInAs(page, 'engineer', `/login?callbackUrl=${encodeURIComponent('/datasets?from=e2e')}`);
    await page.waitForURL((url) => url.pathname === '/datasets', { timeout: 20_000 });
    expect(new URL(page.url()).search).toBe('?from=e2e');
    await context.close();
  });
});

describe('finding 6: sign-out revokes the session on the built server', () => {
  it('a session cookie copied before sign-out is refused after it (and a new sign-in works)', async () => {
    const context = await contextFrom('192.0.2.241');
    const page = await context.newPage();
    await signInAs(page, 'engineer');
    const session = (await context.cookies()).find((c) => c.name.endsWith('next-auth.session-token'));
    expect(session?.value, 'a session cookie').toMatch(/^\S{20,}$/);
    const captured = `${session!.name}=${session!.value}`;
    const me = () => fetch(`${base}/api/me`, { headers: { cookie: captured } });
    expect((await me()).status).toBe(200);

    // What the Sign out button does (next-auth's signOut()): its CSRF token, then POST /api/auth/signout.
    const { csrfToken } = (await (await page.request.get(`${base}/api/auth/csrf`)).json()) as { csrfToken: string };
    const out = await page.request.post(`${base}/api/auth/signout`, { form: { csrfToken, callbackUrl: `${base}/login`, json: 'true' } });
    expect(out.ok()).toBe(true);
    expect(((await out.json()) as { url: string }).url).toBe(`${base}/login`);
    expect((await context.cookies()).some((c) => c.name.endsWith('next-auth.session-token') && c.value)).toBe(false);
    expect((await me()).status).toBe(401);

    await signInAs(page, 'engineer');
    expect(new URL(page.url()).pathname).not.toBe('/login');
    expect((await me()).status).toBe(401);
    await context.close();
  });
});

describe('finding 6: settings validated as a whole on the built server', () => {
  it('the API answers 400 naming both values, and the admin settings form shows the error', async () => {
    const context = await contextFrom('192.0.2.242');
    const page = await context.newPage();
    await signInAs(page, 'admin');
    const res = await page.request.patch(`${base}/api/admin/settings`, { data: { minVotes: 50, maxVotes: 1 } });
    expect(res.status()).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/minVotes \(50\) must be at most maxVotes \(1\)/);

    await page.goto(`${base}/admin`);
    const form = page.getByTestId('settings-form');
    await form.locator('input[name=minVotes]').fill('50');
    await form.locator('input[name=maxVotes]').fill('1');
    await expect.poll(() => form.getByRole('alert').first().textContent()).toMatch(/minVotes \(50\) must be at most maxVotes \(1\)/);
    expect(await form.locator('button[type=submit]').isDisabled()).toBe(true);
    await context.close();
  });
});
