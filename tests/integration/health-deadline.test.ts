/**
 * Issue 19 (the partition scenario of bench/fault): /api/health's 2 s deadline covers every query
 * of the check, not only the first. A check whose first query answered just before a network
 * partition and whose next one (the recommender's status) hangs until the heal must still answer
 * 503 at 2 s; before, it hung for the whole partition and the outage never showed.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GET as health } from '@/app/api/health/route';
import { recommenderFor } from '@/lib/recommend/runtime';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
});
afterAll(async () => t.close());

describe('/api/health deadline (issue 19)', () => {
  it('answers 200 with a healthy database, and 503 at 2 s when a later query of the check hangs', async () => {
    expect((await health(request('GET', '/api/health'), ctx({}))).status).toBe(200);

    const status = vi.spyOn(recommenderFor(t.handle), 'status').mockReturnValue(new Promise(() => {}));
    // A fake clock for the route's timer: the 2 s are checked exactly, not against a loaded machine's wall clock.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let settled = false;
      const pending = health(request('GET', '/api/health'), ctx({})).finally(() => (settled = true));
      // Until the hanging status call has been made (the migrations query answered first).
      for (let i = 0; i < 10_000 && status.mock.calls.length === 0; i++) await new Promise((r) => setImmediate(r));
      expect(status).toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1999);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const res = await pending;
      expect(res.status).toBe(503);
      expect(((await res.json()) as { database: { reachable: boolean } }).database.reachable).toBe(false);
    } finally {
      vi.useRealTimers();
      status.mockRestore();
    }
  });
});
