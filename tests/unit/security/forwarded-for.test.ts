import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '@/lib/env';
import { AppError } from '@/lib/errors';
import { httpStatusOf } from '@/lib/http/errors';
import { installPeerStamp, parseTrustedProxies, PEER_HEADER } from '@/lib/http/peer';
import { clientIp, enforceRateLimit, resetRateLimiters } from '@/lib/http/rate-limit';

/**
 * Finding 6 (issue 22): "rotating X-Forwarded-For dodges the per-IP limit". Attacker's view: a
 * client talking to the server directly sends a fresh `X-Forwarded-For` with every sign-in
 * attempt (or anonymous listener request) and so never runs out of per-IP tokens. The server
 * here is a real Node HTTP server with the same socket-address stamp the Next server installs
 * (instrumentation.ts → lib/http/peer.ts), in front of the per-IP sign-in bucket.
 */
const saved = { ...process.env };
function setEnv(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvCache();
  resetRateLimiters();
}

let server: http.Server;
let base = '';
beforeAll(async () => {
  installPeerStamp();
  server = http.createServer((req, res) => {
    const request = new Request(`http://127.0.0.1${req.url}`, { headers: req.headers as Record<string, string> });
    const ip = clientIp(request);
    try {
      enforceRateLimit('signin', `ip:${ip}`);
      res.writeHead(200, { 'x-seen-ip': ip }).end();
    } catch (err) {
      res.writeHead(err instanceof AppError ? httpStatusOf(err.code) : 500, { 'x-seen-ip': ip }).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});
afterEach(() => {
  process.env = { ...saved };
  resetEnvCache();
  resetRateLimiters();
});

async function attempts(n: number, headers: (i: number) => Record<string, string>) {
  const out: { status: number; ip: string | null }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${base}/attempt`, { headers: headers(i) });
    out.push({ status: res.status, ip: res.headers.get('x-seen-ip') });
  }
  return out;
}

describe('finding 6: X-Forwarded-For is trusted only from configured proxies', () => {
  it('without CHORUS_TRUSTED_PROXIES, rotating X-Forwarded-For does not dodge the per-IP limit', async () => {
    setEnv({ CHORUS_TRUSTED_PROXIES: undefined, CHORUS_RATE_SIGNIN_PER_S: '0.01', CHORUS_RATE_SIGNIN_BURST: '3' });
    const results = await attempts(6, (i) => ({ 'x-forwarded-for': `203.0.113.${i + 1}`, [PEER_HEADER]: `198.51.100.${i}` }));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 429]);
    // The key is the socket address; neither the forged header nor a forged stamp gets through.
    expect(new Set(results.map((r) => r.ip))).toEqual(new Set(['127.0.0.1']));
  });

  it('from a trusted proxy, the first untrusted hop from the right is the client (each client has its own bucket)', async () => {
    setEnv({ CHORUS_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8', CHORUS_RATE_SIGNIN_PER_S: '0.01', CHORUS_RATE_SIGNIN_BURST: '2' });
    // A client's forged left-most entry is skipped: the proxy chain appended the real address.
    const results = await attempts(3, (i) => ({ 'x-forwarded-for': `6.6.6.${i}, 192.0.2.10, 10.1.2.3` }));
    expect(results.map((r) => r.ip)).toEqual(['192.0.2.10', '192.0.2.10', '192.0.2.10']);
    expect(results.map((r) => r.status)).toEqual([200, 200, 429]);
    const other = await attempts(1, () => ({ 'x-forwarded-for': '192.0.2.11' }));
    expect(other).toEqual([{ status: 200, ip: '192.0.2.11' }]);
  });

  it('a peer outside the trusted list gets no say, even when the list is set', async () => {
    setEnv({ CHORUS_TRUSTED_PROXIES: '10.0.0.0/8' });
    const results = await attempts(1, () => ({ 'x-forwarded-for': '192.0.2.99' }));
    expect(results[0].ip).toBe('127.0.0.1');
  });

  it('CHORUS_TRUSTED_PROXIES is validated: IPs and CIDRs only', () => {
    expect(parseTrustedProxies('127.0.0.1, ::1 10.0.0.0/8,fd00::/8')).toEqual(['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8']);
    expect(() => parseTrustedProxies('proxy.internal')).toThrow(/not an IP/);
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/prefix/);
  });
});
