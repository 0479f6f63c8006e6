import { and, eq, sql } from 'drizzle-orm';
import { execRows, type Db, type DbOrTx } from '@/db/client';
import { clips, leases } from '@/db/schema';
import { AppError } from '@/lib/http/errors';
import type { ProjectSettings } from '@/lib/settings/schemas';
import { assertKnownTags } from '@/lib/taxonomy/repo';
import { binaryEntropy } from '@/lib/active/uncertainty';
import type { Taxonomy } from '@/lib/taxonomy/schemas';
import { recordAudit } from '@/lib/audit/repo';
import { reaggregateClips } from '@/lib/crowd/drain';
import { lockDrain } from '@/lib/crowd/repo';
import type { VoteInput, VoteResult } from './schemas';
import { pickNextClip } from './pick';

export interface LeaseRow {
  id: string;
  clipId: string;
  expiresAt: Date;
  questionTag: string | null;
  isGold: boolean;
}

/**
 * Returns expired leases' slots to their clips. Cheap when nothing expired (partial index on
 * active leases' expiry). Run by the `reap-leases` job; the next-clip path only reclaims (in
 * bounded batches, `reclaimExpiredBatch`) when its pick finds nothing.
 */
export async function reclaimExpiredLeases(db: DbOrTx): Promise<number> {
  const rows = await execRows<{ n: number }>(
    db,
    sql`with expired as (
          update leases set state = 'expired'
          where state = 'active' and expires_at < now()
          returning clip_id, queue, is_gold
        ), per_clip as (
          select clip_id, count(*)::int as n from expired
          where queue = 'crowd' and not is_gold
          group by clip_id
        ), fixed as (
          update clips c set assigned = greatest(0, c.assigned - p.n)
          from per_clip p where c.id = p.clip_id
          returning p.n
        )
        select (select count(*)::int from expired) as n, (select count(*) from fixed) as clips_fixed`,
  );
  return Number(rows[0]?.n ?? 0);
}

interface LeaseOptions {
  userId: string;
  settings: ProjectSettings;
  exclude: string[];
  /** Decides whether this request gets a gold clip (injected so tests can force it). */
  wantGold: boolean;
  /** This request may ask a targeted yes/no question (drawn at settings.targetedQuestionRate). */
  wantQuestion?: boolean;
  /** Tag keys of the active taxonomy: a question is only asked about one of these. */
  questionTags?: readonly string[];
}

/**
 * Leases the next clip for a contributor: the highest-priority open clip they have not voted
 * on and do not hold, with a free overlap slot, or a gold clip when `wantGold`. One statement in
 * the common case; see `pickNextClip` in ./pick.ts.
 */
export async function leaseNextClip(db: Db, opts: LeaseOptions): Promise<LeaseRow | null> {
  return (await pickNextClip(db, opts))?.lease ?? null;
}

/**
 * Targeted question: ask about one tag when the active model's latest prediction for the clip
 * is unsure of exactly one or two tags (per-tag entropy ≥ settings.targetedUncertaintyThreshold)
 * and sure of the rest, and the clip already has at least one full vote (the crowd's picture is
 * started, the model pinpoints what is missing). The most uncertain such tag this contributor
 * has not answered yet for the clip; null when the rule does not apply.
 */
export async function pickQuestionTag(
  tx: DbOrTx,
  clipId: string,
  opts: Pick<LeaseOptions, 'userId' | 'settings' | 'questionTags'>,
): Promise<string | null> {
  const [row] = await execRows<{ probs: number[]; tag_keys: string[]; vote_count: number; asked: string[] | null }>(
    tx,
    sql`select p.probs, m.tag_keys, c.vote_count,
               (select array_agg(v.question_tag) from votes v
                where v.clip_id = c.id and v.user_id = ${opts.userId} and v.kind = 'targeted') as asked
        from clips c
        join predictions p on p.clip_id = c.id
        join models m on m.id = p.model_id and m.status = 'active'
        where c.id = ${clipId}
        limit 1`,
  );
  if (!row || Number(row.vote_count) < 1) return null;
  const threshold = opts.settings.targetedUncertaintyThreshold;
  const uncertain = row.tag_keys
    .map((tag, j) => ({ tag, u: binaryEntropy(Number(row.probs[j])) }))
    .filter((x) => x.u >= threshold);
  if (uncertain.length < 1 || uncertain.length > 2) return null;
  const allowed = opts.questionTags ? new Set(opts.questionTags) : null;
  const asked = new Set(row.asked ?? []);
  const choice = uncertain.filter((x) => (!allowed || allowed.has(x.tag)) && !asked.has(x.tag)).sort((a, b) => b.u - a.u)[0];
  return choice?.tag ?? null;
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
}

/**
 * Records a vote (or skip / flag / targeted answer) against a lease, exactly once, in one short
 * transaction of two statements: the lease row locked, then one statement that looks up the
 * idempotency key and — when the key is new and the lease may take the answer — inserts the vote,
 * completes the lease and moves the clip's counters. Nothing is aggregated here: the answer is
 * stored pending (`aggregated_at` null) and the batched aggregator (lib/crowd/drain.ts) applies it
 * to the clip's posterior, state and overlap within about a second.
 *
 * The lease row lock serialises concurrent submits; the key look-up runs after it (a statement of
 * its own, so it sees a submit that committed while this one waited), and a replay with the same
 * idempotency key on the same lease returns the first result instead of an error.
 *
 * Only crowd-queue leases take votes: an expert's review lease is settled through
 * /api/review/decisions, and a vote on it would count past the clip's overlap (409
 * WRONG_QUEUE). An idempotency key belongs to the lease it was first used on: the same key
 * on another lease is a client bug (a reused key), answered 409 IDEMPOTENCY_KEY_REUSED rather
 * than silently replaying the old vote — the votes table keeps one key per user, so the new
 * answer cannot be recorded under it.
 */
export async function recordVote(db: Db, userId: string, input: VoteInput, taxonomy: Taxonomy): Promise<VoteResult> {
  return db.transaction(async (tx) => {
    const [lease] = await execRows<{
      id: string;
      clip_id: string;
      user_id: string;
      state: string;
      expired: boolean;
      question_tag: string | null;
      is_gold: boolean;
      queue: string;
    }>(
      tx,
      sql`select id, clip_id, user_id, state, expires_at < now() as expired, question_tag, is_gold, queue
          from leases where id = ${input.leaseId} for update`,
    );
    if (!lease || lease.user_id !== userId) throw new AppError('NOT_FOUND', 'No such lease for you; ask for the next clip');
    if (lease.queue !== 'crowd') {
      throw new AppError(
        'WRONG_QUEUE',
        'This is a review lease: settle the clip with a review decision (/api/review/decisions), not a vote',
      );
    }
    // Checked before the write but reported only when the key is new: a replay wins over them.
    const refusal = voteRefusal(lease, input, taxonomy);
    const [row] = await execRows<{
      src: 'new' | 'previous';
      id: string;
      lease_id: string | null;
      clip_id: string;
      kind: VoteKind;
    }>(tx, insertVoteStatement(userId, input, taxonomy, lease, refusal === null));
    if (row?.src === 'previous') {
      if (row.lease_id !== lease.id) {
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'This idempotency key was already used for an answer on another lease; send a new key for each answer',
        );
      }
      return { voteId: row.id, clipId: row.clip_id, kind: row.kind, replayed: true };
    }
    if (refusal) throw refusal;
    if (!row) throw new Error(`recordVote: lease ${lease.id} took no answer and none was found under the key`);
    return { voteId: row.id, clipId: row.clip_id, kind: row.kind, replayed: false };
  });
}

/** What the votes table stores (an input 'none' is stored as a 'vote' with no tag). */
type VoteKind = Exclude<VoteInput['kind'], 'none'>;

interface LockedLease {
  id: string;
  clip_id: string;
  state: string;
  expired: boolean;
  question_tag: string | null;
  is_gold: boolean;
}

/** Why this lease cannot take this answer (null: it can). */
function voteRefusal(lease: LockedLease, input: VoteInput, taxonomy: Taxonomy): AppError | null {
  if (lease.state === 'completed') return new AppError('DUPLICATE', 'This clip already has your answer');
  if (lease.state !== 'active' || lease.expired) {
    return new AppError('LEASE_EXPIRED', 'Your lease on this clip expired; it went back to the queue. Ask for the next clip.');
  }
  if (input.kind === 'vote') {
    try {
      assertKnownTags(taxonomy, input.tags);
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
  }
  if (input.kind === 'targeted' && !lease.question_tag) return new AppError('BAD_REQUEST', 'This lease asked no yes/no question');
  return null;
}

/**
 * One statement: the answer already stored under this idempotency key (`previous`), or — when
 * there is none and `mayInsert` — the new vote (`new`), with the lease completed and the clip's
 * counters moved in the same statement.
 */
function insertVoteStatement(userId: string, input: VoteInput, taxonomy: Taxonomy, lease: LockedLease, mayInsert: boolean) {
  const tags = input.kind === 'vote' ? [...new Set(input.tags)] : [];
  // "None of these" is stored as what it means: a full vote with no tag, i.e. "no" to every tag
  // of its taxonomy version — the one meaning an empty tag set has in the drain, the full EM, gold
  // checks, agreement and exports. The API refuses an empty 'vote', so only this answer makes one.
  const kind = input.kind === 'none' ? 'vote' : input.kind;
  // Gold leases sit outside the overlap (no slot was taken, none to give back), but their votes
  // still count. The lease's own flag, as for release and expiry: it says whether a slot was taken.
  const countsAsVote = kind === 'vote';
  const counters = [
    ...(countsAsVote ? [sql`vote_count = vote_count + 1`] : []),
    // A vote keeps its slot; a skip, a flag or a targeted yes/no answer gives it back: a
    // targeted answer adds evidence on one tag and does not stand in for a full vote.
    ...(!lease.is_gold && !countsAsVote ? [sql`assigned = greatest(0, assigned - 1)`] : []),
  ];
  // Only answers that move a posterior wait for the aggregator; a skip or a flag has nothing to apply.
  const pending = kind === 'vote' || kind === 'targeted';
  return sql`with previous as (
      select id, lease_id, clip_id, kind from votes where user_id = ${userId} and idempotency_key = ${input.idempotencyKey} limit 1
    ), ins as (
      insert into votes (clip_id, user_id, lease_id, kind, taxonomy_version, tags, question_tag, answer, flag_reason, listened_ms,
                         idempotency_key, aggregated_at)
      select ${lease.clip_id}::uuid, ${userId}::uuid, ${lease.id}::uuid, ${kind}, ${taxonomy.version}::int,
             array(select t from jsonb_array_elements_text(${JSON.stringify(tags)}::jsonb) with ordinality as x(t, i) order by i),
             ${input.kind === 'targeted' ? lease.question_tag : null}, ${input.kind === 'targeted' ? input.answer : null}::boolean,
             ${input.kind === 'flag' ? input.reason : null}, ${input.listenedMs ?? null}::int, ${input.idempotencyKey},
             ${pending ? sql`null` : sql`now()`}
      where ${mayInsert ? sql`true` : sql`false`} and not exists (select 1 from previous)
      returning id, lease_id, clip_id, kind
    ), completed as (
      update leases set state = 'completed' where id = ${lease.id}::uuid and exists (select 1 from ins)
    )${
      counters.length > 0
        ? sql`, counted as (
      update clips set ${sql.join(counters, sql`, `)} where id = ${lease.clip_id}::uuid and exists (select 1 from ins)
    )`
        : sql``
    }
    select 'new' as src, id, lease_id, clip_id, kind from ins
    union all
    select 'previous' as src, id, lease_id, clip_id, kind from previous`;
}

/**
 * Extends a lease its holder still has on screen or queued (the player renews while a clip is
 * open, so a long listen never ends in "not saved"). Only an `active` lease can be renewed: until
 * the reaper flips its state the slot is still this person's, even a little past its expiry; once
 * reaped, the slot may be someone else's and the answer has to start over.
 */
export async function renewLease(db: Db, userId: string, leaseId: string, settings: Pick<ProjectSettings, 'leaseSeconds'>): Promise<{ expiresAt: Date }> {
  const [row] = await db
    .update(leases)
    .set({
      // Expert (review) leases are three times the crowd's (an expert listens longer), as when taken.
      expiresAt: sql`now() + make_interval(secs => ${settings.leaseSeconds}::int * (case when ${leases.queue} = 'expert' then 3 else 1 end))`,
    })
    .where(and(eq(leases.id, leaseId), eq(leases.userId, userId), eq(leases.state, 'active')))
    .returning({ expiresAt: leases.expiresAt });
  if (!row) throw new AppError('LEASE_EXPIRED', 'This lease expired or was already used; it went back to the queue. Ask for the next clip.');
  return { expiresAt: row.expiresAt };
}

/** Releases a lease the contributor gives up without answering (e.g. closing the tab). */
export async function releaseLease(db: Db, userId: string, leaseId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .update(leases)
      .set({ state: 'released' })
      .where(and(eq(leases.id, leaseId), eq(leases.userId, userId), eq(leases.state, 'active')))
      .returning({ clipId: leases.clipId, isGold: leases.isGold, queue: leases.queue });
    if (row && !row.isGold && row.queue === 'crowd') {
      await tx
        .update(clips)
        .set({ assigned: sql`greatest(0, ${clips.assigned} - 1)` })
        .where(eq(clips.id, row.clipId));
    }
  });
}

export interface UndoneVote {
  voteId: string;
  clipId: string;
  /** The contributor's lease on the clip again (the clip is back in front of them), or null. */
  leaseId: string | null;
  /** An earlier undo of the same answer: nothing changed now. */
  replayed: boolean;
}

/**
 * Undoes a contributor's last answer within `windowSeconds` of it, in one transaction:
 *
 *   take the drain lock (a drain never runs halfway through an undo, and the answer cannot be
 *   applied between the check and the delete) → lock the answer and check it is the caller's,
 *   their latest, and young enough (database clock) → delete it → give the clip back: the lease
 *   active again for leaseSeconds (a vote kept its slot; a skip, flag or yes/no answer gave it
 *   back, so it is taken again only while the clip has a free slot) → move the counters back →
 *   when the drain had already applied the answer, recompute the clip from the answers that
 *   remain (lib/crowd/drain.ts `reaggregateClips`) → audit row `vote.undo`.
 *
 * Idempotent: the same answer undone again returns the first result (found by its audit row),
 * with the lease if it is still active. Someone else's answer is "not found" (its existence is
 * not revealed); an answer that is not the caller's latest, or older than the window, is refused.
 */
export async function undoVote(
  db: Db,
  userId: string,
  voteId: string,
  opts: { windowSeconds: number; leaseSeconds: number },
): Promise<UndoneVote> {
  return db.transaction(async (tx) => {
    await lockDrain(tx);
    const [vote] = await execRows<{
      id: string;
      clip_id: string;
      user_id: string;
      lease_id: string | null;
      kind: VoteKind;
      tags: string[];
      question_tag: string | null;
      answer: boolean | null;
      aggregated: boolean;
      expired: boolean;
      superseded: boolean;
      created_at: string | Date;
    }>(
      tx,
      sql`select v.id, v.clip_id, v.user_id, v.lease_id, v.kind, v.tags, v.question_tag, v.answer, v.created_at,
                 v.aggregated_at is not null as aggregated,
                 v.created_at < now() - make_interval(secs => ${opts.windowSeconds}::int) as expired,
                 exists (select 1 from votes l where l.user_id = v.user_id and l.external_worker is null
                         and (l.created_at, l.id) > (v.created_at, v.id)) as superseded
          from votes v where v.id = ${voteId}::uuid for update of v`,
    );
    if (!vote || vote.user_id !== userId) return earlierUndo(tx, userId, voteId);
    if (vote.lease_id === null) throw new AppError('BAD_REQUEST', 'This answer was imported, not given on a lease: it cannot be undone');
    if (vote.superseded) throw new AppError('CONFLICT', 'Only your last answer can be undone; this one has a later answer after it');
    if (vote.expired) {
      throw new AppError(
        'UNDO_EXPIRED',
        `The ${opts.windowSeconds} s to undo this answer have passed; it stays saved. Flag the clip next time it comes up if it needs another look.`,
      );
    }
    const [lease] = await execRows<{ id: string; is_gold: boolean }>(
      tx,
      sql`select id, is_gold from leases where id = ${vote.lease_id}::uuid for update`,
    );
    await execRows(tx, sql`delete from votes where id = ${vote.id}::uuid`);
    const keptSlot = vote.kind === 'vote';
    const gold = lease?.is_gold ?? false;
    // Back in front of the contributor unless an expert has settled the clip, they hold it again
    // already, or (an answer that gave its slot back) the slot went to someone else meanwhile.
    const [relet] = lease
      ? await execRows<{ id: string }>(
          tx,
          sql`update leases l set state = 'active', expires_at = now() + make_interval(secs => ${opts.leaseSeconds}::int)
              from clips c
              where l.id = ${lease.id}::uuid and c.id = l.clip_id and c.label_state <> 'expert_resolved'
                and not exists (select 1 from leases o where o.clip_id = l.clip_id and o.user_id = l.user_id and o.state = 'active')
                and (${keptSlot || gold}::boolean or c.assigned < c.overlap_target)
              returning l.id`,
        )
      : [];
    if (!relet && lease) await execRows(tx, sql`update leases set state = 'released' where id = ${lease.id}::uuid`);
    // A vote counted once and held a slot; the slot stays only with the lease back in hand.
    // Any other answer gave its slot back; the lease back in hand takes one again.
    const slot = gold ? 0 : keptSlot ? (relet ? 0 : -1) : relet ? 1 : 0;
    await execRows(
      tx,
      sql`update clips set vote_count = greatest(0, vote_count - ${keptSlot ? 1 : 0}::int),
                           assigned = greatest(0, assigned + ${slot}::int)
          where id = ${vote.clip_id}::uuid`,
    );
    if (vote.aggregated) await reaggregateClips(tx, [vote.clip_id]);
    await recordAudit(tx, {
      actorId: userId,
      action: 'vote.undo',
      entity: 'vote',
      entityId: vote.id,
      before: {
        clipId: vote.clip_id,
        kind: vote.kind,
        tags: vote.tags,
        questionTag: vote.question_tag,
        answer: vote.answer,
        createdAt: new Date(vote.created_at).toISOString(),
        aggregated: vote.aggregated,
      },
      after: { leaseId: relet?.id ?? null, reaggregated: vote.aggregated },
    });
    return { voteId: vote.id, clipId: vote.clip_id, leaseId: relet?.id ?? null, replayed: false };
  });
}

/** The result of this contributor's earlier undo of `voteId`, or "not found". */
async function earlierUndo(tx: DbOrTx, userId: string, voteId: string): Promise<UndoneVote> {
  const [row] = await execRows<{ clip_id: string; lease_id: string | null; active: boolean }>(
    tx,
    sql`select a.before->>'clipId' as clip_id, a.after->>'leaseId' as lease_id,
               exists (select 1 from leases l where l.id = (a.after->>'leaseId')::uuid and l.user_id = ${userId}::uuid
                       and l.state = 'active' and l.expires_at > now()) as active
        from audit_log a
        where a.action = 'vote.undo' and a.entity = 'vote' and a.entity_id = ${voteId} and a.actor_id = ${userId}::uuid
        order by a.id limit 1`,
  );
  if (!row) throw new AppError('NOT_FOUND', 'No such answer of yours');
  return { voteId, clipId: row.clip_id, leaseId: row.active ? row.lease_id : null, replayed: true };
}
