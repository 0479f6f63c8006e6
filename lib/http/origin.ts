import { env } from '@/lib/env';

/**
 * The app's public origin, when configured: `NEXTAUTH_URL` (scheme + host + port), else undefined.
 * Behind a proxy this is the only trustworthy answer to "which origin is ours".
 */
export function configuredOrigin(): string | undefined {
  const url = env().NEXTAUTH_URL;
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * Session cookies carry `Secure` (and the `__Secure-`/`__Host-` prefixes) when the public URL is
 * HTTPS: `NEXTAUTH_URL` when it is set; otherwise the scheme the request arrived with
 * (`X-Forwarded-Proto`, which Next fills in from the socket when no proxy set it).
 *
 * Without this, next-auth v4 decides from `NEXTAUTH_URL` alone and falls back to
 * `http://localhost:3000`, so a deployment behind an HTTPS proxy without `NEXTAUTH_URL` issued
 * session cookies without `Secure`. Trusting the header here is safe in both directions: a
 * forged `https` only makes the forger's own cookies Secure, and a forged `http` only affects
 * the forger's own response.
 */
export function useSecureCookies(req?: Request): boolean {
  const configured = configuredOrigin();
  if (configured) return configured.startsWith('https://');
  if (!req) return false;
  const proto = req.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  if (proto) return proto === 'https';
  return new URL(req.url).protocol === 'https:';
}
