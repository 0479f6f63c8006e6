import { describe, expect, it } from 'vitest';
import { resolveByKey, voteIdOf, voteShape } from '../../../bench/fault/shapes';

describe('fault suite: answers a killed web server can produce (issue 19)', () => {
  it('classifies a 201 with no body, a truncated body and an empty text body as acknowledged without a vote id', () => {
    expect(voteShape({ status: 201, body: null })).toBe('acked-no-body'); // the harness gives null for unparsable JSON
    expect(voteShape({ status: 201, body: '' })).toBe('acked-no-body');
    expect(voteShape({ status: 200, body: '{"voteId":"ab' })).toBe('acked-no-body');
    expect(voteShape({ status: 201, body: { error: 'x' } })).toBe('acked-no-body');
    expect(voteIdOf({ body: null })).toBeUndefined();
  });

  it('classifies a reset connection as no answer, and keeps full answers', () => {
    expect(voteShape({ status: 0, body: null })).toBe('no-answer');
    expect(voteShape({ status: 503, body: null })).toBe('other');
    expect(voteShape({ status: 201, body: { voteId: 'v1' } })).toBe('acked');
    expect(voteIdOf({ body: { voteId: 'v1' } })).toBe('v1');
  });

  it('resolves an acknowledgement without a body by idempotency key, and marks a key with no or two rows', async () => {
    const rows: Record<string, { id: string }[]> = { 'u1/k1': [{ id: 'v1' }], 'u1/k2': [], 'u2/k3': [{ id: 'a' }, { id: 'b' }] };
    const handle = { query: async <T,>(_: string, p?: unknown[]) => (rows[`${p![0]}/${p![1]}`] ?? []) as T[] };
    const acked = [
      { userId: 'u1', key: 'k1', voteId: '' },
      { userId: 'u1', key: 'k2', voteId: '' },
      { userId: 'u2', key: 'k3', voteId: '' },
      { userId: 'u2', key: 'k4', voteId: 'known' },
    ];
    expect(await resolveByKey(handle, acked)).toBe(1);
    expect(acked.map((a) => a.voteId)).toEqual(['v1', '(no body; 0 rows)', '(no body; 2 rows)', 'known']);
  });
});
