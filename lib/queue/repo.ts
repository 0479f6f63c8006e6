import { and, eq, sql } from 'drizzle-orm';
import { execRows, type Db, type DbOrTx } from '@/db/client';
import { clips, leases } from '@/db/schema';
import { AppError } from '@/lib/errors';
import type { ProjectSettings } from '@/lib/settings/schemas';
import { assertKnownTags } from '@/lib/taxonomy/repo';
import { binaryEntropy } from '@/lib/active/uncertainty';
import type { Taxonomy } from '@/lib/taxonomy/schemas';
import { recordAudit } from '@/lib/audit/repo';
import { reaggregateClips } from '@/lib/crowd/drain';
import { lockDrain } from '@/lib/crowd/repo';
import type { VoteInput, VoteResult } from './schemas';
import { pickNextClip, reclaimExpiredBatch, RECLAIM_BATCH } from './pick';

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
 * bounded batches) when its pick finds nothing.
 *
 * In batches of {@link RECLAIM_BATCH} (`reclaimExpiredBatch`), so it takes locks in the one order
 * every writer of leases and clips keeps: leases first (skipping any a vote or another reclaim
 * holds — a vote on it decides it, or the next sweep takes it), then their clips in id order, as the
 * vote aggregator's drain and the full EM's write-back lock clips. One unordered UPDATE of every
 * expired lease and then of their clips used to lock clips in hash order, which could deadlock
 * against a drain locking the same clips in id order.
 */
export async function reclaimExpiredLeases(db: DbOrTx): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await reclaimExpiredBatch(db, RECLAIM_BATCH);
    total += n;
    if (n < RECLAIM_BATCH) return total;
  }
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
 * Records a vote (or skip / flag / targeted answer) against a lease, exactly once, in one
 * statement (one round trip, its own transaction, committed synchronously before the answer is
 * acknowledged): the lease row locked, the idempotency key looked up, and — when the key is new and
 * the lease may take the answer — the vote inserted, the lease completed and the clip's counters
 * moved. Nothing is aggregated here: the answer is stored pending (`aggregated_at` null) and the
 * batched aggregator (lib/crowd/drain.ts) applies it to the clip's posterior, state and overlap
 * within about a second.
 *
 * Locks in the one order every writer of leases and clips keeps (lease, then its clip; see
 * `reclaimExpiredLeases`): the lease row (`for update`, which serialises concurrent submits on it),
 * then the clip row when the counters move.
 *
 * The statement reads the key under its own snapshot, taken before it waited for the lease lock;
 * so when a concurrent submit with the same key completed the lease while this one waited, the
 * lease comes back completed and the key unseen. Only then is the statement run again (a new
 * snapshot sees the first answer, and this submit replays it). A replay with the same idempotency
 * key on the same lease returns the first result instead of an error.
 *
 * Only crowd-queue leases take votes: an expert's review lease is settled through
 * /api/review/decisions, and a vote on it would count past the clip's overlap (409
 * WRONG_QUEUE). An idempotency key belongs to the lease it was first used on: the same key
 * on another lease is a client bug (a reused key), answered 409 IDEMPOTENCY_KEY_REUSED rather
 * than silently replaying the old vote — the votes table keeps one key per user, so the new
 * answer cannot be recorded under it.
 */
export async function recordVote(db: Db, userId: string, input: VoteInput, taxonomy: Taxonomy): Promise<VoteResult> {
  const tagRefusal = input.kind === 'vote' ? unknownTagsRefusal(taxonomy, input.tags) : null;
  for (let attempt = 0; ; attempt++) {
    let rows: VoteStatementRow[];
    try {
      rows = await execRows<VoteStatementRow>(db, voteStatement(userId, input, taxonomy, tagRefusal === null), { prepare: true });
    } catch (err) {
      // The same key sent on another lease at the same instant: the unique key index refused this
      // insert (nothing of the statement stayed). Look again: the other answer is found under the key.
      if (attempt === 0 && isUniqueViolation(err)) continue;
      throw err;
    }
    const lease = rows.find((r) => r.src === 'lease');
    const previous = rows.find((r) => r.src === 'previous');
    const inserted = rows.find((r) => r.src === 'new');
    if (!lease || lease.user_id !== userId) throw new AppError('NOT_FOUND', 'No such lease for you; ask for the next clip');
    if (lease.queue !== 'crowd') {
      throw new AppError(
        'WRONG_QUEUE',
        'This is a review lease: settle the clip with a review decision (/api/review/decisions), not a vote',
      );
    }
    if (previous) {
      if (previous.lease_id !== lease.id) {
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'This idempotency key was already used for an answer on another lease; send a new key for each answer',
        );
      }
      return { voteId: previous.id!, clipId: previous.clip_id!, kind: previous.kind!, replayed: true };
    }
    if (inserted) return { voteId: inserted.id!, clipId: inserted.clip_id!, kind: inserted.kind!, replayed: false };
    // Completed while this statement waited for the lease lock: look again under a new snapshot.
    if (lease.state === 'completed' && attempt === 0) continue;
    const refusal = voteRefusal(lease, input, tagRefusal);
    if (refusal) throw refusal;
    throw new Error(`recordVote: lease ${lease.id} took no answer and none was found under the key`);
  }
}

/** What the votes table stores (an input 'none' is stored as a 'vote' with no tag). */
type VoteKind = Exclude<VoteInput['kind'], 'none'>;

interface VoteStatementRow {
  src: 'lease' | 'new' | 'previous';
  id: string | null;
  lease_id: string | null;
  clip_id: string | null;
  kind: VoteKind | null;
  user_id: string | null;
  state: string | null;
  expired: boolean | null;
  question_tag: string | null;
  queue: string | null;
}

function unknownTagsRefusal(taxonomy: Taxonomy, tags: readonly string[]): AppError | null {
  try {
    assertKnownTags(taxonomy, tags);
    return null;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
}

/** Why this lease could not take this answer (the statement did not insert it and found no answer under the key). */
function voteRefusal(lease: VoteStatementRow, input: VoteInput, tagRefusal: AppError | null): AppError | null {
  if (lease.state === 'completed') return new AppError('DUPLICATE', 'This clip already has your answer');
  if (lease.state !== 'active' || lease.expired) {
    return new AppError('LEASE_EXPIRED', 'Your lease on this clip expired; it went back to the queue. Ask for the next clip.');
  }
  if (tagRefusal) return tagRefusal;
  if (input.kind === 'targeted' && !lease.question_tag) return new AppError('BAD_REQUEST', 'This lease asked no yes/no question');
  return null;
}

/**
 * The vote in one statement: the lease locked (`lease`: always returned when it exists), the
 * answer already stored under this idempotency key (`previous`), or — when there is none and the
 * lease may take it — the new vote (`new`), with the lease completed and the clip's counters moved.
 * The statement's text depends only on the answer's kind, so each kind is prepared once per connection.
 */
function voteStatement(userId: string, input: VoteInput, taxonomy: Taxonomy, tagsOk: boolean) {
  const tags = input.kind === 'vote' ? [...new Set(input.tags)] : [];
  // "None of these" is stored as what it means: a full vote with no tag, i.e. "no" to every tag
  // of its taxonomy version — the one meaning an empty tag set has in the drain, the full EM, gold
  // checks, agreement and exports. The API refuses an empty 'vote', so only this answer makes one.
  const kind = input.kind === 'none' ? 'vote' : input.kind;
  // A vote keeps its slot and counts; a skip, a flag or a targeted yes/no answer gives the slot back
  // (a targeted answer adds evidence on one tag and does not stand in for a full vote). Gold leases
  // sit outside the overlap (no slot was taken, none to give back), but their votes still count.
  const counters =
    kind === 'vote'
      ? sql`update clips set vote_count = vote_count + 1 where id = (select clip_id from ins)`
      : sql`update clips set assigned = greatest(0, assigned - 1) where id = (select clip_id from ins) and not (select is_gold from ok)`;
  // Only answers that move a posterior wait for the aggregator; a skip or a flag has nothing to apply.
  const pending = kind === 'vote' || kind === 'targeted';
  const targeted = input.kind === 'targeted';
  return sql`with l as (
      select id, clip_id, user_id, state, expires_at < now() as expired, question_tag, is_gold, queue
      from leases where id = ${input.leaseId}::uuid for update
    ), previous as (
      select id, lease_id, clip_id, kind from votes where user_id = ${userId}::uuid and idempotency_key = ${input.idempotencyKey}::text limit 1
    ), ok as (
      select l.* from l
      where ${tagsOk}::boolean and l.user_id = ${userId}::uuid and l.queue = 'crowd' and l.state = 'active' and not l.expired
        ${targeted ? sql`and l.question_tag is not null` : sql``}
        and not exists (select 1 from previous)
    ), ins as (
      insert into votes (clip_id, user_id, lease_id, kind, taxonomy_version, tags, question_tag, answer, flag_reason, listened_ms,
                         idempotency_key, aggregated_at)
      select ok.clip_id, ${userId}::uuid, ok.id, ${kind}::text, ${taxonomy.version}::int,
             array(select t from jsonb_array_elements_text(${JSON.stringify(tags)}::jsonb) with ordinality as x(t, i) order by i),
             ${targeted ? sql`ok.question_tag` : sql`null`}, ${targeted ? input.answer : null}::boolean,
             ${input.kind === 'flag' ? input.reason : null}::text, ${input.listenedMs ?? null}::int, ${input.idempotencyKey}::text,
             ${pending ? sql`null` : sql`now()`}
      from ok
      returning id, lease_id, clip_id, kind
    ), completed as (
      update leases set state = 'completed' where id = (select lease_id from ins)
    ), counted as (
      ${counters}
    )
    select 'lease' as src, l.id, null::uuid as lease_id, l.clip_id, null::text as kind, l.user_id, l.state, l.expired, l.question_tag, l.queue from l
    union all
    select 'new', i.id, i.lease_id, i.clip_id, i.kind, null, null, null, null, null from ins i
    union all
    select 'previous', p.id, p.lease_id, p.clip_id, p.kind, null, null, null, null, null from previous p`;
}

/**
 * Extends a lease its holder still has on screen or queued (the player renews while a clip is
 * open, so a long listen never ends in "not saved"). Only an `active` lease can be renewed: until
 * the reaper flips its state the slot is still this person's, even a little past its expiry; once
 * reaped, the slot may be someone else's and the answer has to start over.
 */
export async function renewLease(
  db: Db,
  userId: string,
  leaseId: string,
  settings: Pick<ProjectSettings, 'leaseSeconds'>,
): Promise<{ expiresAt: Date }> {
  const [row] = await db
    .update(leases)
    .set({
      // Expert (review) leases are three times the crowd's (an expert listens longer), as when taken.
      expiresAt: sql`now() + make_interval(secs => ${settings.leaseSeconds}::int * (case when ${leases.queue} = 'expert' then 3 else 1 end))`,
    })
    .where(and(eq(leases.id, leaseId), eq(leases.userId, userId), eq(leases.state, 'active')))
    .returning({ expiresAt: leases.expiresAt });
  if (!row)
    throw new AppError(
      'LEASE_EXPIRED',
      'This lease expired or was already used; it went back to the queue. Ask for the next clip.',
    );
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
    if (vote.lease_id === null)
      throw new AppError('BAD_REQUEST', 'This answer was imported, not given on a lease: it cannot be undone');
    if (vote.superseded)
      throw new AppError('CONFLICT', 'Only your last answer can be undone; this one has a later answer after it');
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

/** Dead `clips` rows (in pg_stat_user_tables) beyond which the reap job vacuums the table: this share of its live rows… */
export const QUEUE_VACUUM_DEAD_SHARE = 0.005;
/** …and at least this many. */
export const QUEUE_VACUUM_MIN_DEAD = 2000;

/**
 * Vacuums `clips` (its indexes included) when enough dead rows piled up, and says whether it did.
 * Run by the `reap-leases` job every minute.
 *
 * Why: every slot taken or answer counted updates the clip row, and `assigned` is in the partial
 * priority index's predicate, so no update is HOT; until a VACUUM the old index entries stay and a
 * pick walks them (bench/RESULTS.md, "Not O(log n): dead index entries": 200,000 of them made one
 * pick take 3–5 s). PostgreSQL's autovacuum waits for 20 % of the table by default (200,000 rows at
 * 1M clips), and may be off altogether (it is on this project's shared test server); a per-table
 * setting does nothing then. So the job checks the dead-row count itself and vacuums at 0.5 %
 * (`INDEX_CLEANUP ON`: PostgreSQL would otherwise skip the index pass when few heap pages hold dead
 * rows, which is exactly when the priority index's top is full of them).
 * VACUUM cannot run inside a transaction: call it with the pool, never a transaction.
 */
export async function vacuumQueueIfDead(db: Db): Promise<boolean> {
  const [row] = await execRows<{ dead: number; live: number }>(
    db,
    sql`select coalesce(n_dead_tup, 0)::int as dead, coalesce(n_live_tup, 0)::int as live
        from pg_stat_user_tables where relname = 'clips' and schemaname = current_schema()`,
  );
  if (!row || row.dead < Math.max(QUEUE_VACUUM_MIN_DEAD, QUEUE_VACUUM_DEAD_SHARE * row.live)) return false;
  await db.execute(sql`vacuum (index_cleanup on) clips`);
  return true;
}
