import type { DbHandle } from '@/db/client';
import { EXTRACTOR_VERSION } from '@/lib/audio/extract';
import { auditTrail, recordAudit } from '@/lib/audit/repo';
import { findUserByEmail } from '@/lib/auth/repo';
import { rescoreCatalog, rewardAutoStrategy } from '@/lib/active/service';
import { buildSnapshot, createSnapshot, listSnapshots } from '@/lib/export/service';
import { clipsNeedingFeatures } from '@/lib/features/repo';
import { extractClips } from '@/lib/features/service';
import { isAppError } from '@/lib/errors';
import { hasActiveModel } from '@/lib/model/repo';
import { retrain, type RetrainResult } from '@/lib/model/service';
import { recommenderFor } from '@/lib/recommend/runtime';
import { NextQuerySchema } from '@/lib/recommend/schemas';
import { nextTracks, recordListenerEvent, startListenerSession } from '@/lib/recommend/service';
import { getProjectSettings } from '@/lib/settings/repo';
import { changeProjectSettings } from '@/lib/settings/service';
import type { AudioStore } from '@/lib/storage';
import { createRng } from '@/lib/util/random';
import { demoCatalogState, listenerSessionCount, plantedTags, simulatedAnswerCount } from './repo';
import { demoEmail, simulateVotes } from './seed';

/**
 * The demo's history (issue 14): what a project looks like after its first hours, built through
 * the same service functions the app runs — features extracted, answers from the simulated crowd
 * through the live queue, a first model trained, registered and promoted by the retrain path,
 * the catalog rescored and its embeddings pushed to the recommender, a dataset snapshot, and a
 * few listener sessions with feedback. No row is written by hand.
 *
 * Every step checks its own result first, so an interrupted first start resumes where it
 * stopped; the audit log marks the history as started and completed, so a later start (or a
 * database that was never a demo) seeds nothing.
 */

/** Share of the catalog the simulated crowd leaves without any answer, for the people trying the demo. */
export const UNTOUCHED_SHARE = 0.25;
/** Answers per clip the demo crowd gives on average (3 to 9 with the default overlap; about 7 seen on the demo catalog). */
const ANSWERS_PER_CLIP = 7;
/**
 * The expert queue's share of most-uncertain clips in the demo project. The default (2 %) is
 * tuned for large catalogs; of ~100 demo clips it would be two, often already settled ones.
 */
export const DEMO_EXPERT_UNCERTAIN_SHARE = 0.15;
export const DEMO_SNAPSHOT_NAME = 'demo-moods';

const HISTORY = { entity: 'demo', entityId: 'history' } as const;

export interface DemoHistoryOptions {
  seed?: number;
  /** One line per step as it happens (the server prints them while it starts). */
  log?: (line: string) => void;
  /** Where the snapshot is written (default: the data folder's snapshots, as for every snapshot). */
  snapshotRoot?: string;
}

export interface DemoHistoryResult {
  extracted: number;
  answers: number;
  model: { id: number; promoted: boolean; reason: string } | null;
  /** Why no model was trained (too few labels), when none was. */
  modelSkipped: string | null;
  snapshot: { id: string; rows: number } | null;
  listenerSessions: number;
}

/** True when a demo history was started and not completed (an interrupted first start). */
export async function demoHistoryPending(handle: DbHandle): Promise<boolean> {
  const trail = await auditTrail(handle.db, HISTORY.entity, HISTORY.entityId);
  return trail.some((r) => r.action === 'demo.history.started') && !trail.some((r) => r.action === 'demo.history.completed');
}

export async function seedDemoHistory(handle: DbHandle, store: AudioStore, options: DemoHistoryOptions = {}): Promise<DemoHistoryResult> {
  const db = handle.db;
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => {});
  const started = Date.now();
  const step = (n: number, text: string) => log(`Chorus: demo history [${n}/5] ${text} (${Math.round((Date.now() - started) / 1000)} s)`);
  if (!(await demoHistoryPending(handle))) {
    await recordAudit(db, { action: 'demo.history.started', ...HISTORY, after: { seed } });
  }

  // 1. Features: the retrain and the recommender need them (the extract job would do this after start).
  const pending = await clipsNeedingFeatures(db, EXTRACTOR_VERSION, 10_000);
  step(1, `extracting audio features of ${pending.length} clips…`);
  const outcomes = await extractClips(db, store, pending, {
    onProgress: async (done, total) => {
      if (done % 20 === 0 && done < total) step(1, `features ${done}/${total}`);
    },
  });
  const extracted = outcomes.filter((o) => o.status === 'extracted').length;

  // 2. The simulated crowd answers about half the catalog; the rest stays for the people trying it.
  const catalog = await demoCatalogState(db);
  const reserve = Math.ceil(catalog.clips * UNTOUCHED_SHARE);
  let answers = await simulatedAnswerCount(db);
  let round = 0;
  const answer = async (share: number) => {
    const sim = await simulateVotes(db, seed + round++, { maxAnswers: Math.max(1, Math.round(catalog.clips * share * ANSWERS_PER_CLIP)) });
    answers += sim.votes;
  };
  if (answers === 0) {
    step(2, `answers from 12 simulated contributors to about half of ${catalog.clips} clips…`);
    await answer(0.5);
  }
  // The expert's queue starts with what the crowd could not agree on: answer on until something is disputed.
  for (let s = await demoCatalogState(db); s.disputed === 0 && s.untouched - Math.ceil(catalog.clips * 0.05) >= reserve; s = await demoCatalogState(db)) {
    step(2, 'no disputed clip yet; more answers…');
    await answer(0.05);
  }

  // 3. The first model, through the retrain path; too few settled clips → more answers, while the reserve lasts.
  let trained: RetrainResult | null = null;
  let modelSkipped: string | null = null;
  if (!(await hasActiveModel(db))) {
    const share = Math.max((await getProjectSettings(db)).expertUncertainShare, DEMO_EXPERT_UNCERTAIN_SHARE);
    const { before, after } = await changeProjectSettings(db, { expertUncertainShare: share });
    await recordAudit(db, {
      action: 'settings.update',
      entity: 'settings',
      entityId: 'project',
      before: { expertUncertainShare: before.expertUncertainShare },
      after: { expertUncertainShare: after.expertUncertainShare, by: 'the demo seed' },
    });
    for (;;) {
      step(3, `training the first model on ${answers} answers…`);
      try {
        trained = await retrain(db, { trigger: 'labels', rewardStrategy: rewardAutoStrategy });
        break;
      } catch (err) {
        if (!(isAppError(err) && err.code === 'UNPROCESSABLE')) throw err;
        if ((await demoCatalogState(db)).untouched - Math.ceil(catalog.clips * 0.1) < reserve) {
          modelSkipped = err.message;
          step(3, `no first model: ${err.message}`);
          break;
        }
        step(3, `${err.message}; more answers…`);
        await answer(0.1);
      }
    }
    step(3, trained ? `model ${trained.candidateId} ${trained.promoted ? 'promoted' : 'registered'}; rescoring the catalog…` : 'ranking the catalog…');
    // As the retrain job's chain does: rescore (predictions, priorities), then push the embeddings.
    await rescoreCatalog(db, { catalog: trained?.catalog });
  }

  // 4. A first dataset snapshot, registered and built as the /datasets form's job would.
  const engineer = await findUserByEmail(db, demoEmail('engineer'));
  let snapshot: DemoHistoryResult['snapshot'] = null;
  if ((await listSnapshots(db, { name: DEMO_SNAPSHOT_NAME, limit: 1 })).length === 0) {
    step(4, 'building the first dataset snapshot…');
    const { snapshot: view } = await createSnapshot(db, { name: DEMO_SNAPSHOT_NAME }, { userId: engineer?.id ?? null, enqueue: async () => null, root: options.snapshotRoot });
    const manifest = await buildSnapshot(db, view.id);
    snapshot = { id: view.id, rows: manifest.counts.rows };
  }

  // 5. Listener sessions: each asks for a mood, plays what it is given, likes some and skips some.
  let listenerSessions = await listenerSessionCount(db);
  if (listenerSessions === 0) {
    step(5, 'listener sessions with feedback…');
    const rec = recommenderFor(handle);
    const rng = createRng(seed * 104_729);
    for (const mood of ['calm', 'energetic', 'sad']) {
      const { sessionId } = await startListenerSession(rec, { personalization: true });
      const served = await nextTracks(rec, sessionId, NextQuerySchema.parse({ k: 6, mood }));
      for (const track of served.results) {
        // A listener likes what sounds like the mood asked for: the clip's planted moods, with a little noise.
        const planted = (await plantedTags(db, track.clipId)).tags ?? [];
        const liked = planted.includes(mood) !== rng() < 0.15;
        await recordListenerEvent(rec, sessionId, { clipId: track.clipId, type: 'play', embeddingVersion: served.embeddingVersion ?? undefined });
        await recordListenerEvent(rec, sessionId, {
          clipId: track.clipId,
          type: liked ? 'like' : 'skip',
          positionS: liked ? undefined : 3 + Math.round(rng() * 10),
          embeddingVersion: served.embeddingVersion ?? undefined,
        });
      }
      listenerSessions++;
    }
  }

  await recordAudit(db, { action: 'demo.history.completed', ...HISTORY, after: { answers, model: trained?.candidateId ?? null } });
  step(5, 'done');
  return {
    extracted,
    answers,
    model: trained ? { id: trained.candidateId, promoted: trained.promoted, reason: trained.reason } : null,
    modelSkipped,
    snapshot,
    listenerSessions,
  };
}
