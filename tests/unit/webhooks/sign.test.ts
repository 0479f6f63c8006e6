import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signatureHeader, verifySignature } from '@/lib/webhooks/sign';

describe('webhook signatures', () => {
  const secret = 'whsec_test';
  const body = '{"id":"d1","event":"model.promoted","data":{}}';
  const now = 1_733_400_000_000;

  it('is HMAC-SHA256 of "<t>.<body>" in hex, as the README documents', () => {
    const header = signatureHeader(secret, body, now);
    const expected = createHmac('sha256', secret).update(`1733400000.${body}`).digest('hex');
    expect(header).toBe(`t=1733400000,v1=${expected}`);
    expect(verifySignature(secret, header, body, { now })).toBe(true);
  });

  it('refuses another body, another secret, an old timestamp and malformed headers', () => {
    const header = signatureHeader(secret, body, now);
    expect(verifySignature(secret, header, body + ' ', { now })).toBe(false);
    expect(verifySignature('whsec_other', header, body, { now })).toBe(false);
    expect(verifySignature(secret, header, body, { now: now + 301_000 })).toBe(false);
    expect(verifySignature(secret, header, body, { now: now + 299_000 })).toBe(true);
    for (const bad of [null, '', 't=abc,v1=00', `t=1733400000`, `v1=${'0'.repeat(64)}`, `t=1733400000,v1=${'z'.repeat(64)}`])
      expect(verifySignature(secret, bad, body, { now })).toBe(false);
  });

  it('makes a fresh random secret each time', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
