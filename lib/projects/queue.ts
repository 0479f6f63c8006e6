import type { Db } from '@/db/client';
import { playableClip } from '@/lib/catalog/schemas';
import { AppError, badRequest, notFound } from '@/lib/errors';
import { pairGain } from '@/lib/pairwise/active';
import type { ProjectCaller, ProjectRow } from './access';
import {
  comparedPairs,
  findAnswerByKey,
  insertLeaseIfOpen,
  liveLeasesOf,
  lockItems,
  lockLease,
  lockNextRatingItem,
  openPairCandidates,
  pairKeyOf,
  releaseLeaseRow,
  releaseOwnLease,
  storeAnswer,
  taskClips,
  type ProjectLeaseRow,
} from './items-repo';
import { readScoreFit } from './scores-repo';
import {
  ProjectSettingsSchema,
  type ProjectAnswerInput,
  type ProjectAnswerResult,
  type ProjectSettings,
  type ProjectTask,
} from './schemas';

/**
 * The queue of valence–arousal and pairwise projects: which question a contributor gets next,
 * and how their answer is stored. The tags project (the default `mood`) has its own queue
 * (lib/queue), so both refuse it.
 */

/** Live leases one contributor may hold per project: the question on screen and the preloaded next. */
const MAX_LIVE_LEASES = 2;
/** Items a pairwise pick pairs among: the highest priority, fewest compared (n(n−1)/2 pairs scored). */
const PAIR_CANDIDATES = 50;
/** How many items (ratings) or pairs a pick tries under lock before it gives up for this request. */
const MAX_ATTEMPTS = 20;

function settingsOf(project: ProjectRow): ProjectSettings {
  return ProjectSettingsSchema.parse(project.settings);
}

function assertQueueProject(project: ProjectRow): asserts project is ProjectRow & { questionType: 'valence_arousal' | 'pairwise' } {
  if (project.questionType === 'tags') {
    throw badRequest(`"${project.slug}" is a tags project: its clips are labelled through /api/queue/next and /api/votes`);
  }
}

/**
 * The next question for the caller, under a new or held lease, or null when nothing is left for
 * them. A live lease the caller holds comes back first (a reload does not take new slots), unless
 * `exclude` names one of its clips (the client holds it on screen and preloads the next); a new
 * one is taken only while the caller holds fewer than {@link MAX_LIVE_LEASES} (else null).
 */
export async function nextTask(
  db: Db,
  caller: ProjectCaller,
  project: ProjectRow,
  exclude: readonly string[],
  random: () => number = Math.random,
): Promise<ProjectTask | null> {
  assertQueueProject(project);
  const excluded = new Set(exclude);
  const held = await liveLeasesOf(db, project.id, caller.id);
  const reusable = held.find((l) => !excluded.has(l.clipId) && !(l.clipBId && excluded.has(l.clipBId)));
  if (reusable) return toTask(db, project, reusable);
  // At the cap nothing more is handed out until one is answered or released: 204, not an error, since
  // a screen asks for its next question while the answer to the last one is still on its way.
  if (held.length >= MAX_LIVE_LEASES) return null;
  const settings = settingsOf(project);
  const lease =
    project.questionType === 'valence_arousal'
      ? await leaseRating(db, caller.id, project.id, settings, exclude)
      : await leasePair(db, caller.id, project.id, settings, exclude, random);
  return lease ? toTask(db, project, lease) : null;
}

async function toTask(db: Db, project: ProjectRow, lease: ProjectLeaseRow): Promise<ProjectTask> {
  const clips = await taskClips(db, lease.clipBId ? [lease.clipId, lease.clipBId] : [lease.clipId]);
  const clip = (id: string) => {
    const row = clips.get(id);
    if (!row) throw new Error(`lease ${lease.id}: clip ${id} is gone`);
    return playableClip(row);
  };
  const base = { lease: { id: lease.id, expiresAt: lease.expiresAt.toISOString() } };
  if (project.questionType === 'pairwise') {
    if (!lease.clipBId) throw new Error(`pairwise lease ${lease.id} has no second clip`);
    return { ...base, type: 'pairwise', attribute: project.attribute ?? '', a: clip(lease.clipId), b: clip(lease.clipBId) };
  }
  return { ...base, type: 'valence_arousal', clip: clip(lease.clipId) };
}

/**
 * A rating lease: lock the best open item (skipping items another pick holds), then insert the
 * lease if the item is still under its overlap — checked again under the lock, so two
 * contributors never take its last slot twice. When every open item is locked at that instant,
 * one more pass waits for the lock instead.
 */
async function leaseRating(
  db: Db,
  userId: string,
  projectId: string,
  settings: ProjectSettings,
  exclude: readonly string[],
): Promise<ProjectLeaseRow | null> {
  const full: string[] = [];
  for (const skipLocked of [true, false]) {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const outcome = await db.transaction(async (tx) => {
        const scope = { projectId, userId, overlap: settings.overlap, exclude: [...exclude, ...full] };
        const clipId = await lockNextRatingItem(tx, scope, skipLocked);
        if (!clipId) return 'none' as const;
        const lease = await insertLeaseIfOpen(tx, { ...scope, leaseMinutes: settings.leaseMinutes }, clipId, null);
        if (!lease) full.push(clipId);
        return lease ?? ('full' as const);
      });
      if (outcome === 'none') break;
      if (outcome !== 'full') return outcome;
    }
  }
  return null;
}

/**
 * The pairs of `candidates` (indexes into it) worth asking, best first: by the expected
 * information gain of one answer under the current fit (`pairGain`; a clip never fitted counts
 * as θ = 0, sd = 1), pairs the caller already compared left out. Ties keep the candidates' order
 * (higher priority, fewer comparisons first). Pure, for the unit tests.
 */
export function rankPairs(
  candidates: readonly string[],
  fit: ReadonlyMap<string, { score: number; scoreSd: number }>,
  compared: ReadonlySet<string>,
): { a: string; b: string; gain: number }[] {
  const theta = candidates.map((id) => fit.get(id)?.score ?? 0);
  const sd = candidates.map((id) => fit.get(id)?.scoreSd ?? 1);
  const posterior = { theta, sd, covariance: null };
  const pairs: { a: string; b: string; gain: number; order: number }[] = [];
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      if (compared.has(pairKeyOf(candidates[i], candidates[j]))) continue;
      pairs.push({ a: candidates[i], b: candidates[j], gain: pairGain(posterior, i, j), order: pairs.length });
    }
  }
  return pairs.sort((x, y) => y.gain - x.gain || x.order - y.order).map(({ a, b, gain }) => ({ a, b, gain }));
}

/**
 * A comparison lease: the pair with the largest expected gain among the bounded candidates,
 * both items locked (in id order) and still under their overlap, shown in random order (so the
 * side a clip appears on carries no position bias), stored on the lease as clip = a, clip_b = b.
 */
async function leasePair(
  db: Db,
  userId: string,
  projectId: string,
  settings: ProjectSettings,
  exclude: readonly string[],
  random: () => number,
): Promise<ProjectLeaseRow | null> {
  const scope = { projectId, userId, overlap: settings.overlap, exclude };
  const candidates = await openPairCandidates(db, scope, PAIR_CANDIDATES);
  if (candidates.length < 2) return null;
  const [fit, compared] = await Promise.all([
    readScoreFit(db, projectId),
    comparedPairs(db, projectId, userId, candidates),
  ]);
  const ranked = rankPairs(candidates, fit, compared).slice(0, MAX_ATTEMPTS);
  // First pass: pairs another pick holds this instant are passed over; the second waits for those.
  let busy: typeof ranked = [];
  for (const skipLocked of [true, false]) {
    const pairs = skipLocked ? ranked : busy;
    busy = [];
    for (const pair of pairs) {
      const [a, b] = random() < 0.5 ? [pair.a, pair.b] : [pair.b, pair.a];
      const outcome = await db.transaction(async (tx) => {
        if (!(await lockItems(tx, projectId, [a, b], skipLocked))) return 'busy' as const;
        return insertLeaseIfOpen(tx, { ...scope, leaseMinutes: settings.leaseMinutes }, a, b);
      });
      if (outcome === 'busy') busy.push(pair);
      else if (outcome) return outcome;
    }
  }
  return null;
}

/**
 * Stores a contributor's answer to their lease, once. The lease must be the caller's and in this
 * project (else 404, as if missing), active and unexpired (LEASE_EXPIRED); the answer must be the
 * project's kind (400). An idempotency key already used on this lease replays the first result;
 * on another lease it is IDEMPOTENCY_KEY_REUSED. A clip (or unordered pair) the caller already
 * answered is DUPLICATE. One transaction: the answer, the lease completed, the clip counters.
 * `skip` gives the lease back and stores nothing.
 */
export async function submitAnswer(
  db: Db,
  caller: ProjectCaller,
  project: ProjectRow,
  input: ProjectAnswerInput,
): Promise<ProjectAnswerResult> {
  assertQueueProject(project);
  const skip = 'skip' in input;
  const rating = 'valence' in input ? input : null;
  const comparison = 'choice' in input ? input : null;
  if (!skip && project.questionType === 'valence_arousal' && !rating) {
    throw badRequest(`"${project.slug}" asks for a valence–arousal rating: send valence and arousal, not a choice`);
  }
  if (!skip && project.questionType === 'pairwise' && !comparison) {
    throw badRequest(`"${project.slug}" asks which of two clips is more ${project.attribute ?? ''}: send choice 'a', 'b' or 'same'`);
  }
  return db.transaction(async (tx) => {
    const lease = await lockLease(tx, input.leaseId);
    if (!lease || lease.userId !== caller.id || lease.projectId !== project.id) {
      throw notFound('No such lease for you in this project; ask for the next question');
    }
    const previous = await findAnswerByKey(tx, project.id, caller.id, input.idempotencyKey);
    if (previous) {
      if (previous.leaseId !== lease.id) {
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'This idempotency key was already used for an answer on another lease; send a new key for each answer',
        );
      }
      return { answerId: previous.id, replayed: true, skipped: false };
    }
    // A skip sent again after its lease was given back: nothing more to do.
    if (skip && lease.state === 'released') return { answerId: null, replayed: true, skipped: true };
    if (lease.state === 'completed') throw new AppError('DUPLICATE', 'This question already has your answer');
    if (lease.state !== 'active' || lease.expired) {
      throw new AppError('LEASE_EXPIRED', 'Your lease on this question expired; it went back to the pool. Ask for the next one.');
    }
    if (skip) {
      await releaseLeaseRow(tx, lease.id);
      return { answerId: null, replayed: false, skipped: true };
    }
    const answerId = await storeAnswer(tx, {
      lease,
      idempotencyKey: input.idempotencyKey,
      listenedMs: input.listenedMs ?? null,
      valence: rating?.valence ?? null,
      arousal: rating?.arousal ?? null,
      choice: comparison?.choice ?? null,
    });
    if (answerId) return { answerId, replayed: false, skipped: false };
    // Refused by a unique index with nothing written: the key, taken by a concurrent submit on
    // another lease, or this clip / pair answered already (e.g. under an earlier lease).
    if (await findAnswerByKey(tx, project.id, caller.id, input.idempotencyKey)) {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        'This idempotency key was already used for an answer on another lease; send a new key for each answer',
      );
    }
    throw new AppError(
      'DUPLICATE',
      lease.clipBId ? 'You already compared these two clips' : 'You already rated this clip',
    );
  });
}

/** Gives back the caller's own lease without an answer; 404 for a lease that is not theirs in this project. */
export async function releaseLease(db: Db, caller: ProjectCaller, project: ProjectRow, leaseId: string): Promise<{ released: boolean }> {
  assertQueueProject(project);
  const outcome = await releaseOwnLease(db, project.id, caller.id, leaseId);
  if (!outcome) throw notFound('No such lease for you in this project');
  return { released: outcome === 'released' };
}
