import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { insertClip } from '@/lib/catalog/repo';
import { importVotesCsv } from '@/lib/crowd/import-votes';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';

// Regression for issue 23: 1,000 rows (the second batch of 500) hung on PGlite.
let t: TestDb;
const shas: string[] = [];

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  for (let i = 0; i < 400; i++) {
    const sha = randomBytes(32).toString('hex');
    await insertClip(t.handle.db, { sha256: sha, title: `c${i}`, status: 'ready', durationS: 3 });
    shas.push(sha);
  }
});
afterAll(async () => {
  await t?.close();
});

describe('import-votes at scale', () => {
  it('imports 2,000 rows (5 answers per clip, 12 workers) in seconds, then again as duplicates', async () => {
    const keys = (await getActiveTaxonomy(t.handle.db)).tags.map((tag) => tag.key);
    const lines = ['item,worker,label'];
    for (let c = 0; c < 400; c++) {
      for (let a = 0; a < 5; a++) {
        const worker = `w${(c + a * 7) % 12}`;
        lines.push(`${shas[c]},${worker},${keys[(c + a) % keys.length]}|${keys[(c * 3 + a) % keys.length]}`);
      }
    }
    const csv = lines.join('\n');
    const started = Date.now();
    const batches: number[] = [];
    const result = await importVotesCsv(t.handle.db, csv, { source: 'scale', onBatch: (p) => batches.push(p.done) });
    const elapsed = Date.now() - started;
    expect(result.rejected).toEqual([]);
    expect(result.rows).toBe(2000);
    expect(result.imported).toBe(2000);
    expect(result.workersCreated).toBe(12);
    expect(result.clips).toBe(400);
    expect(batches).toEqual([500, 1000, 1500, 2000]);
    expect(elapsed).toBeLessThan(20_000);
    const [{ n }] = await execRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from votes where external_worker is not null`);
    expect(n).toBe(2000);

    const again = await importVotesCsv(t.handle.db, csv, { source: 'scale' });
    expect(again.imported).toBe(0);
    expect(again.duplicates).toBe(2000);
    expect(again.rejected).toEqual([]);
  }, 60_000);
});
