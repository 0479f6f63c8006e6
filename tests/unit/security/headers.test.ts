import { describe, expect, it } from 'vitest';
import nextConfig from '@/next.config.mjs';

/** The headers every page and API response carries (the e2e suite checks the built server sends them). */
describe('security headers (next.config.mjs)', () => {
  it('apply to every path: CSP with frame-ancestors none, nosniff, no framing, no referrer leak', async () => {
    const rules = (await (nextConfig as { headers: () => Promise<{ source: string; headers: { key: string; value: string }[] }[]> }).headers());
    const all = rules.find((r) => r.source === '/:path*');
    expect(all, 'a rule for every path').toBeDefined();
    const h = Object.fromEntries(all!.headers.map((x) => [x.key.toLowerCase(), x.value]));
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['x-frame-options']).toBe('DENY');
    expect(h['referrer-policy']).toBe('same-origin');
    const csp = Object.fromEntries(
      h['content-security-policy'].split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]),
    );
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['base-uri']).toEqual(["'self'"]);
    expect(csp['form-action']).toEqual(["'self'"]);
    // No third-party origin anywhere in the policy.
    for (const [name, values] of Object.entries(csp)) {
      for (const v of values as string[]) expect(v, `${name} ${v}`).toMatch(/^('self'|'none'|'unsafe-inline'|data:|blob:)$/);
    }
  });
});
