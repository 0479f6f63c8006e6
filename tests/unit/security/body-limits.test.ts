import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/errors';
import { httpStatusOf } from '@/lib/http/errors';
import { bodyRule, limitBody } from '@/lib/http/guard';
import { openApiDocument } from '@/lib/http/openapi';
import { ROUTE_ACCESS } from '@/lib/http/access';

/**
 * Finding 4 (issue 22): "no body size limit, reachable anonymously" — a 150 MB POST to /api/votes
 * was parsed whole. The per-route limits and the streaming counter, without a database (the
 * routes themselves are exercised in tests/integration/security-http.test.ts).
 */
describe('finding 4: per-route body limits, counted while streaming', () => {
  it('every state-changing route has a limit; the small ones are small and uploads follow CHORUS_MAX_UPLOAD_MB', () => {
    for (const [route, methods] of Object.entries(ROUTE_ACCESS)) {
      for (const method of Object.keys(methods).filter((m) => m !== 'GET')) {
        const limit = bodyRule(route, method).maxBytes();
        expect(limit, `${method} ${route}`).toBeGreaterThan(0);
        // Uploads, and a predictions file (engineers only, text in JSON): the two large bodies.
        if (route === '/api/predictions/import') expect(limit, `${method} ${route}`).toBeLessThanOrEqual(32 * 1024 * 1024);
        else if (route !== '/api/clips') expect(limit, `${method} ${route}`).toBeLessThanOrEqual(1024 * 1024);
      }
    }
    expect(bodyRule('/api/votes', 'POST').maxBytes()).toBeLessThanOrEqual(64 * 1024);
    expect(bodyRule('/api/listen/sessions', 'POST').maxBytes()).toBeLessThanOrEqual(64 * 1024);
    expect(bodyRule('/api/clips', 'POST')).toMatchObject({ kind: 'multipart' });
    expect(bodyRule('/api/clips', 'POST').maxBytes()).toBeGreaterThan(200e6); // default CHORUS_MAX_UPLOAD_MB=200, plus the envelope
  });

  it('a chunked body is cut off at the first chunk past the limit and the source is cancelled', async () => {
    let pulled = 0;
    let cancelled = false;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled += 1000;
        c.enqueue(new Uint8Array(1000));
      },
      cancel() {
        cancelled = true;
      },
    });
    const req = limitBody(new Request('http://x/', { method: 'POST', body: source, duplex: 'half' } as RequestInit), 4500);
    const err = await req.text().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(httpStatusOf((err as AppError).code)).toBe(413);
    expect(pulled).toBeLessThanOrEqual(6000);
    expect(cancelled).toBe(true);
  });

  it('a declared Content-Length over the limit is refused before any byte is read', () => {
    const req = new Request('http://x/', { method: 'POST', body: 'x', headers: { 'content-length': '999999' } });
    expect(() => limitBody(req, 1000)).toThrow(AppError);
  });

  it('the OpenAPI document states the limit and the 403/413 answers of state-changing routes', () => {
    const votes = (openApiDocument().paths as Record<string, Record<string, Record<string, unknown>>>)['/api/votes'].post;
    expect(votes['x-max-body-bytes']).toBe(bodyRule('/api/votes', 'POST').maxBytes());
    expect(Object.keys(votes.responses as object)).toEqual(expect.arrayContaining(['403', '413']));
  });
});
