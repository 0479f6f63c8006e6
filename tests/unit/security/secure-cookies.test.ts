import { afterEach, describe, expect, it } from 'vitest';
import { authOptions } from '@/lib/auth/options';
import { resetEnvCache } from '@/lib/env';

/**
 * Finding 6 (issue 22): "no `Secure` cookie behind HTTPS without NEXTAUTH_URL". next-auth v4
 * decides from NEXTAUTH_URL alone and otherwise assumes http://localhost:3000, so behind an
 * HTTPS proxy the session cookie went out without `Secure`. Attacker's view: a session cookie
 * that a plain-http request to the same host (an active network attacker) would receive.
 */
const saved = process.env.NEXTAUTH_URL;
function withPublicUrl(url: string | undefined) {
  if (url === undefined) delete process.env.NEXTAUTH_URL;
  else process.env.NEXTAUTH_URL = url;
  resetEnvCache();
}
afterEach(() => withPublicUrl(saved));

const behindHttpsProxy = () => new Request('http://10.0.0.5:3000/api/auth/csrf', { headers: { 'x-forwarded-proto': 'https' } });

describe('finding 6: Secure session cookies when the public URL is https', () => {
  it('behind an HTTPS proxy without NEXTAUTH_URL, cookies are Secure', () => {
    withPublicUrl(undefined);
    expect(authOptions(behindHttpsProxy()).useSecureCookies).toBe(true);
  });

  it('NEXTAUTH_URL https: Secure on every request, whatever the proxy header says', () => {
    withPublicUrl('https://chorus.example.org');
    expect(authOptions(new Request('http://10.0.0.5:3000/')).useSecureCookies).toBe(true);
    expect(authOptions().useSecureCookies).toBe(true);
  });

  it('plain http (local development, the e2e server): not Secure, so sign-in still works over http', () => {
    withPublicUrl('http://127.0.0.1:3000');
    expect(authOptions(behindHttpsProxy()).useSecureCookies).toBe(false);
    withPublicUrl(undefined);
    expect(authOptions(new Request('http://localhost:3000/')).useSecureCookies).toBe(false);
  });
});
