import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { DEMO_TAGS } from '@/lib/audio/synth';
import { insertClip } from '@/lib/catalog/repo';
import { importVotesCsv } from '@/lib/crowd/import-votes';
import { createTestDb, type TestDb } from '../helpers/db';
import { runCli } from '../helpers/cli';

// Regression for issue 23: 1,000 rows (the second batch of 500) hung on PGlite, and a database
// set up without the demo had no taxonomy for import-votes. No taxonomy is created here on purpose.
let t: TestDb;
let dir: string;
let csvFile: string;
const CLIPS = 400;

beforeAll(async () => {
  t = await createTestDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-import-votes-'));
  const keys = DEMO_TAGS.map((tag) => tag.key);
  const lines = ['item,worker,label'];
  for (let c = 0; c < CLIPS; c++) {
    const sha = randomBytes(32).toString('hex');
    await insertClip(t.handle.db, { sha256: sha, title: `c${c}`, status: 'ready', durationS: 3 });
    // 5 answers per clip from 12 workers, as in the report.
    for (let a = 0; a < 5; a++) lines.push(`${sha},w${(c + a * 7) % 12},${keys[(c + a) % keys.length]}|${keys[(c * 3 + a) % keys.length]}`);
  }
  csvFile = path.join(dir, 'votes.csv');
  fs.writeFileSync(csvFile, lines.join('\n'));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

describe('import-votes at scale, without the demo', () => {
  it('the CLI creates the default taxonomy, imports 2,000 rows with progress per batch, and aggregates', async () => {
    // A hang (issue 23: PGlite never answered the second batch) fails on the test's own timeout.
    const { code, stdout, stderr } = await runCli(['import-votes', csvFile, '--source', 'other-platform']);
    expect(stderr).toContain('created the default one');
    const summary = JSON.parse(stdout) as { imported: number; rows: number; workersCreated: number; clips: number; rejected: unknown[]; aggregation: { votes: number } };
    expect(summary.rejected).toEqual([]);
    expect(code).toBe(0);
    expect(summary).toMatchObject({ rows: 2000, imported: 2000, workersCreated: 12, clips: CLIPS });
    expect(summary.aggregation.votes).toBeGreaterThanOrEqual(2000);
    for (const progress of ['500/2000 rows checked, batch 1/4', '1000/2000 rows checked, batch 2/4', '2000/2000 rows checked, batch 4/4'])
      expect(stderr).toContain(progress);
    expect(stderr).toContain('import done: 2000 imported');
    const [{ n }] = await execRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from votes where external_worker is not null`);
    expect(n).toBe(2000);
  }, 90_000);

  it('importing the same 2,000 rows again adds nothing', async () => {
    const batches: number[] = [];
    const again = await importVotesCsv(t.handle.db, fs.readFileSync(csvFile, 'utf8'), {
      source: 'other-platform',
      onBatch: (p) => batches.push(p.done),
    });
    expect(batches).toEqual([500, 1000, 1500, 2000]);
    expect(again).toMatchObject({ rows: 2000, imported: 0, duplicates: 2000, rejected: [] });
  }, 60_000);
});
