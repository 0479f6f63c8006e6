/**
 * Issue 14 item 1: after the demo seed with its history (what `npm start` runs on a fresh data
 * folder), every role's main page has data — open clips for the contributor, disputed and
 * model-uncertain clips for the expert, a promoted model and a snapshot for the engineer,
 * listener sessions with feedback — and a second run seeds nothing again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { findUserByEmail } from '@/lib/auth/repo';
import { listSnapshots } from '@/lib/export/service';
import { getActiveModel } from '@/lib/model/repo';
import { nextClipFor } from '@/lib/queue/service';
import { nextReviewFor } from '@/lib/review/service';
import { expertUncertaintyCut } from '@/lib/review/repo';
import { getProjectSettings } from '@/lib/settings/repo';
import { LocalAudioStore, setAudioStore } from '@/lib/storage';
import { demoHistoryPending, DEMO_SNAPSHOT_NAME, seedDemoHistory, UNTOUCHED_SHARE, type DemoHistoryResult } from '@/lib/demo/history';
import { demoCatalogState, expertQueueComposition, listenerSessionCount, simulatedAnswerCount } from '@/lib/demo/repo';
import { demoEmail, ensureDemoAccounts, seedDemo } from '@/lib/demo/seed';
import { createTestDb, type TestDb } from '../helpers/db';

// The size `npm start` seeds (scripts/start.mjs): smaller catalogs may hold too few settled held-out clips for a model.
const CLIPS = 80;
let t: TestDb;
let dir: string;
let result: DemoHistoryResult;

beforeAll(async () => {
  t = await createTestDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-demo-history-'));
  const store = new LocalAudioStore(path.join(dir, 'audio'));
  setAudioStore(store);
  await seedDemo(t.handle.db, store, { clips: CLIPS });
  await ensureDemoAccounts(t.handle.db, 'demo-history-password');
  result = await seedDemoHistory(t.handle, store, { snapshotRoot: path.join(dir, 'snapshots') });
}, 600_000);

afterAll(async () => {
  setAudioStore(undefined);
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function counts() {
  const [row] = await execRows<{ votes: number; models: number; snapshots: number; events: number }>(
    t.handle.db,
    sql`select (select count(*)::int from votes) as votes, (select count(*)::int from models) as models,
               (select count(*)::int from dataset_snapshots) as snapshots, (select count(*)::int from listener_events) as events`,
  );
  return row;
}

describe('the demo history', () => {
  it('gives the engineer a promoted model trained through the retrain path, and a ready snapshot', async () => {
    expect(result.extracted).toBe(CLIPS);
    expect(result.model?.promoted).toBe(true);
    const active = await getActiveModel(t.handle.db);
    expect(active?.id).toBe(result.model!.id);
    const [{ predictions }] = await execRows<{ predictions: number }>(
      t.handle.db,
      sql`select count(*)::int as predictions from predictions where model_id = ${active!.id}`,
    );
    expect(Number(predictions)).toBe(CLIPS);
    const [snapshot] = await listSnapshots(t.handle.db, { name: DEMO_SNAPSHOT_NAME, limit: 5 });
    expect(snapshot.status).toBe('ready');
    expect(result.snapshot!.rows).toBeGreaterThan(0);
  });

  it('leaves the expert both disputed and model-uncertain clips, and the contributor clips nobody answered', async () => {
    const db = t.handle.db;
    const queue = await expertQueueComposition(db, await expertUncertaintyCut(db, await getProjectSettings(db)));
    expect(queue.disputed).toBeGreaterThan(0);
    expect(queue.modelUncertain).toBeGreaterThan(0);
    const expert = await findUserByEmail(db, demoEmail('expert'));
    expect(await nextReviewFor(db, expert!.id)).not.toBeNull();

    expect(result.answers).toBe(await simulatedAnswerCount(db));
    expect(result.answers).toBeGreaterThan(0);
    const state = await demoCatalogState(db);
    expect(state.untouched).toBeGreaterThanOrEqual(Math.ceil(CLIPS * UNTOUCHED_SHARE));
    const contributor = await findUserByEmail(db, demoEmail('contributor'));
    expect(await nextClipFor(db, contributor!.id, [], () => 0.5)).not.toBeNull();
  });

  it('records listener sessions with plays, likes and skips', async () => {
    expect(result.listenerSessions).toBe(3);
    expect(await listenerSessionCount(t.handle.db)).toBe(3);
    const kinds = await execRows<{ kind: string; n: number }>(
      t.handle.db,
      sql`select kind, count(*)::int as n from listener_events group by kind`,
    );
    const byKind = new Map(kinds.map((k) => [k.kind, Number(k.n)]));
    expect(byKind.get('play')).toBeGreaterThan(0);
    expect(byKind.get('like')).toBeGreaterThan(0);
    expect(byKind.get('skip')).toBeGreaterThan(0);
  });

  it('is complete once, and a second run seeds nothing again', async () => {
    expect(await demoHistoryPending(t.handle)).toBe(false);
    const before = await counts();
    const again = await seedDemoHistory(t.handle, new LocalAudioStore(path.join(dir, 'audio')), { snapshotRoot: path.join(dir, 'snapshots') });
    expect(again.extracted).toBe(0);
    expect(again.model).toBeNull();
    expect(again.snapshot).toBeNull();
    expect(await counts()).toEqual(before);
  });
});
