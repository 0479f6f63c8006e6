import type { Db, DbOrTx } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { updateUser } from '@/lib/auth/repo';
import { AppError } from '@/lib/errors';
import { closePause, currentPause, recordPause } from '@/lib/pause/repo';
import { getProjectSettings } from '@/lib/settings/repo';
import { processWide } from '@/lib/util/process-wide';
import type { ProjectSettings } from '@/lib/settings/schemas';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import {
  countRoundAnswers,
  countRoundGold,
  drawRound,
  finishRound,
  insertGrant,
  leaseClip,
  lockOpenRound,
  qualificationFacts,
  roundAnswers,
  roundCounts,
} from './repo';
import type { QualificationOverview, QualificationStatus } from './schemas';
import { scoreRound } from './score';

/**
 * Qualification rounds (issue 15, item 2). A contributor (role `contributor`; everyone else is
 * exempt) answers `qualificationClips` gold clips before any other clip is served to them; their
 * answers are ordinary votes on gold clips (so they also feed the crowd's gold scoring) and are
 * scored per tag (`scoreRound`). Pass → qualified for good (audited). Fail → paused through
 * lib/pause with the numbers and the time of the retry; the paused page resumes them once that
 * time has come, and the next request draws a fresh round from gold clips they never answered.
 * With fewer gold clips than a round needs, qualification is off for everyone rather than lock
 * every newcomer out (/loop says so).
 */

/**
 * Contributors known qualified in this process, until when. An admin can revoke a qualification
 * (lib/qualification/admin.ts), so a hit lasts QUALIFIED_CACHE_MS: other processes see a revoke
 * within that time, this one at once.
 */
const qualifiedCache = processWide('qualified-contributors', () => new Map<string, number>());
const CACHE_MAX = 50_000;
const QUALIFIED_CACHE_MS = 60_000;

function rememberQualified(userId: string) {
  if (qualifiedCache.size >= CACHE_MAX) qualifiedCache.clear();
  qualifiedCache.set(userId, Date.now() + QUALIFIED_CACHE_MS);
}

function knownQualified(userId: string): boolean {
  const until = qualifiedCache.get(userId);
  if (until === undefined) return false;
  if (until > Date.now()) return true;
  qualifiedCache.delete(userId);
  return false;
}

/** Tests only: forget what this process learned. */
export function forgetQualified(): void {
  qualifiedCache.clear();
}

/** After an admin's grant or revoke: this process asks the database again. */
export function forgetQualifiedUser(userId: string): void {
  qualifiedCache.delete(userId);
}

type Gate = { kind: 'free'; status: QualificationStatus } | { kind: 'round'; status: QualificationStatus; clipIds: string[] };

/**
 * Where the contributor stands, drawing a round when they need one and have none open (so the
 * status and the clips served agree), and settling a round whose clips are all answered.
 */
async function gate(db: Db, userId: string, settings: ProjectSettings): Promise<Gate> {
  if (knownQualified(userId)) return { kind: 'free', status: { state: 'qualified', since: '' } };
  // The gold count rides along in the same statement (next clip and vote pass through here).
  const facts = await qualificationFacts(
    db,
    userId,
    settings.qualificationClips > 0 ? (await getActiveTaxonomy(db)).version : undefined,
  );
  if (!facts) throw new AppError('NOT_FOUND', 'No such user');
  if (facts.role !== 'contributor') return { kind: 'free', status: { state: 'exempt' } };
  if (facts.qualifiedAt) {
    rememberQualified(userId);
    return { kind: 'free', status: { state: 'qualified', since: facts.qualifiedAt.toISOString() } };
  }
  const off = await offReason(db, settings, facts.goldClips);
  if (off) return { kind: 'free', status: off };
  if (facts.status === 'paused' && facts.retryAt)
    return { kind: 'round', status: { state: 'failed', retryAt: facts.retryAt.toISOString() }, clipIds: [] };
  let open = facts.open;
  if (open) {
    const settled = await settleRound(db, userId, settings);
    if (settled) return gate(db, userId, settings);
  } else {
    open = await drawRound(db, userId, settings.qualificationClips, (await getActiveTaxonomy(db)).version);
    if (!open) return { kind: 'round', status: { state: 'no_clips' }, clipIds: [] };
  }
  const answered = await countRoundAnswers(db, userId, open.clipIds);
  return { kind: 'round', status: { state: 'in_progress', answered, total: open.clipIds.length }, clipIds: open.clipIds };
}

async function offReason(db: DbOrTx, settings: ProjectSettings, knownGoldClips?: number): Promise<QualificationStatus | null> {
  if (settings.qualificationClips === 0) return { state: 'off', reason: 'disabled', goldClips: 0, needed: 0 };
  const goldClips = knownGoldClips ?? (await countRoundGold(db, (await getActiveTaxonomy(db)).version));
  if (goldClips < settings.qualificationClips)
    return { state: 'off', reason: 'not_enough_gold', goldClips, needed: settings.qualificationClips };
  return null;
}

/** The contributor's qualification status (drawing their round if they need one). */
export async function qualificationStatus(db: Db, userId: string): Promise<QualificationStatus> {
  return (await gate(db, userId, await getProjectSettings(db))).status;
}

/**
 * The queue's hook: null when the contributor works normally, else the only clips the crowd
 * queue may serve them (their round's; empty while paused after a failed round or out of clips).
 */
export async function qualificationClipsFor(db: Db, userId: string, settings: ProjectSettings): Promise<string[] | null> {
  const g = await gate(db, userId, settings);
  return g.kind === 'round' ? g.clipIds : null;
}

/**
 * The vote's gate: a contributor who must qualify may answer their round's clips only, so no
 * vote of theirs reaches an ordinary clip (403 with what to do). Free for anyone qualified or exempt.
 * Returns whether the contributor is in a round (only then can their answer settle one: pass the
 * answer on to {@link noteQualificationAnswer}); false when they work freely.
 */
export async function assertMayAnswer(db: Db, userId: string, leaseId: string): Promise<boolean> {
  if (knownQualified(userId)) return false;
  const g = await gate(db, userId, await getProjectSettings(db));
  if (g.kind === 'free') return false;
  const clipId = await leaseClip(db, leaseId);
  // An unknown lease is the vote path's own 404 to give.
  if (clipId === undefined || g.clipIds.includes(clipId)) return true;
  throw new AppError('FORBIDDEN', 'Finish the qualification round first: your answers count once you pass it (see /guidelines).');
}

/**
 * After an answer of a contributor in a round ({@link assertMayAnswer} said so): settles the round
 * when it was its last clip. (A contributor working freely has no round to settle: the gate settles
 * a leftover round itself before it serves one.)
 */
export async function noteQualificationAnswer(db: Db, userId: string): Promise<void> {
  if (knownQualified(userId)) return;
  await settleRound(db, userId, await getProjectSettings(db));
}

/**
 * Scores the open round once every clip of it has an answer: pass → qualified; fail → paused
 * until now + `qualificationRetryHours`, with the numbers. One transaction with the round row
 * locked, so two answers arriving together settle it once. True when it settled a round.
 */
async function settleRound(db: Db, userId: string, settings: ProjectSettings): Promise<boolean> {
  const taxonomy = await getActiveTaxonomy(db);
  return db.transaction(async (tx) => {
    const open = await lockOpenRound(tx, userId);
    if (!open) return false;
    const answers = await roundAnswers(tx, userId, open.clipIds);
    if (answers.length < open.clipIds.length) return false;
    const threshold = settings.qualificationThreshold;
    const score = scoreRound(
      answers.map((a) => ({ gold: a.gold, tags: a.kind === 'vote' ? a.tags : null })),
      taxonomy.tags.map((t) => t.key),
      threshold,
    );
    const retryAt = score.passed ? null : new Date(Date.now() + settings.qualificationRetryHours * 3_600_000);
    await finishRound(tx, open.id, { right: score.right, total: score.total, threshold, passed: score.passed, retryAt });
    const numbers = { roundId: open.id, clips: open.clipIds.length, right: score.right, total: score.total, threshold };
    if (score.passed) {
      await recordAudit(tx, {
        actorId: userId,
        action: 'qualification.pass',
        entity: 'user',
        entityId: userId,
        before: null,
        after: numbers,
      });
    } else {
      await updateUser(tx, userId, { status: 'paused' });
      await recordPause(tx, {
        userId,
        reason: {
          checks: [
            { check: 'qualification', right: score.right, total: score.total, threshold, retryAt: retryAt!.toISOString() },
          ],
        },
      });
      await recordAudit(tx, {
        actorId: userId,
        action: 'qualification.fail',
        entity: 'user',
        entityId: userId,
        before: null,
        after: { ...numbers, retryAt: retryAt!.toISOString() },
      });
    }
    return true;
  });
}

/**
 * A contributor paused by a failed round whose retry time has come is set active again (the
 * pause closed, audited); the next request draws a fresh round. Called where a paused account
 * lands (/paused, GET /api/me/pause). True when it resumed them.
 */
export async function resumeIfRetryDue(db: Db, userId: string, now = new Date()): Promise<boolean> {
  return db.transaction(async (tx) => {
    const pause = await currentPause(tx, userId);
    const check = pause?.reason.checks.find((c) => c.check === 'qualification');
    if (!pause || !check || check.check !== 'qualification' || new Date(check.retryAt) > now) return false;
    const facts = await qualificationFacts(tx, userId);
    if (facts?.status !== 'paused') return false;
    await updateUser(tx, userId, { status: 'active' });
    await closePause(tx, pause.id, 'qualification retry time reached');
    await recordAudit(tx, {
      actorId: userId,
      action: 'qualification.retry',
      entity: 'user',
      entityId: userId,
      before: { status: 'paused', pauseId: pause.id },
      after: { status: 'active' },
    });
    return true;
  });
}

/** Qualifies a contributor without a round (audited): the demo crowd, contributors an admin vouches for. */
export async function grantQualification(db: Db, actorId: string | null, userId: string, why: string): Promise<void> {
  await db.transaction(async (tx) => {
    if (await insertGrant(tx, userId)) {
      await recordAudit(tx, {
        actorId,
        action: 'qualification.grant',
        entity: 'user',
        entityId: userId,
        before: null,
        after: { why },
      });
    }
  });
}

/** /loop: whether rounds are on, the warning when there is too little gold, and where contributors stand. */
export async function qualificationOverview(db: Db): Promise<QualificationOverview> {
  const settings = await getProjectSettings(db);
  const goldClips = await countRoundGold(db, (await getActiveTaxonomy(db)).version);
  const off = await offReason(db, settings);
  const warning =
    off?.state === 'off' && off.reason === 'not_enough_gold'
      ? `Qualification is off: a round needs ${off.needed} gold clips under the active taxonomy and there are ${off.goldClips}. ` +
        'New contributors vote without one until more clips are made gold (/review/gold) or qualificationClips is lowered.'
      : null;
  return {
    clips: settings.qualificationClips,
    threshold: settings.qualificationThreshold,
    goldClips,
    active: off === null,
    warning,
    ...(await roundCounts(db)),
  };
}
