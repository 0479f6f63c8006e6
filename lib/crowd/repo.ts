import { and, desc, eq, inArray, ne, sql, type SQL } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { cursorBatches, cursorClient } from '@/db/cursor';
import { aggregates, agreementStats, crowdFits, goldAnswers, votes, workerReliability } from '@/db/schema';
import type { LabelState } from '@/db/schema/catalog';

/**
 * The crowd area's tables: votes as the aggregator reads them, aggregates, worker reliability,
 * agreement statistics, EM runs (crowd_fits). Bulk writes go through `jsonb_to_recordset`, one
 * text parameter per chunk, so they behave the same on postgres.js and PGlite.
 */

export async function countVotesByUser(db: DbOrTx, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(votes)
    .where(and(eq(votes.userId, userId), ne(votes.kind, 'skip')));
  return Number(row?.n ?? 0);
}

/** Votes (kind = vote) on one clip: who said which tags. */
export async function votesForClip(db: DbOrTx, clipId: string) {
  return db
    .select({ userId: votes.userId, tags: votes.tags, taxonomyVersion: votes.taxonomyVersion, createdAt: votes.createdAt })
    .from(votes)
    .where(and(eq(votes.clipId, clipId), eq(votes.kind, 'vote')));
}

export interface AggregateRow {
  clipId: string;
  tag: string;
  posterior: number;
  label: boolean;
  confidence: number;
  yesVotes: number;
  noVotes: number;
  method: string;
}

export async function upsertAggregates(db: DbOrTx, rows: AggregateRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(aggregates)
    .values(rows.map((r) => ({ ...r, updatedAt: new Date() })))
    .onConflictDoUpdate({
      target: [aggregates.clipId, aggregates.tag],
      set: {
        posterior: sql`excluded.posterior`,
        label: sql`excluded.label`,
        confidence: sql`excluded.confidence`,
        yesVotes: sql`excluded.yes_votes`,
        noVotes: sql`excluded.no_votes`,
        method: sql`excluded.method`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
}

export async function allGoldAnswers(db: DbOrTx) {
  return db.select({ clipId: goldAnswers.clipId, tags: goldAnswers.tags, tolerated: goldAnswers.tolerated }).from(goldAnswers);
}

export type CrowdFitRow = typeof crowdFits.$inferSelect;

export async function latestFit(db: DbOrTx): Promise<CrowdFitRow | undefined> {
  const [row] = await db.select().from(crowdFits).orderBy(desc(crowdFits.id)).limit(1);
  return row;
}

export async function insertFit(db: DbOrTx, fit: typeof crowdFits.$inferInsert): Promise<CrowdFitRow> {
  const [row] = await db.insert(crowdFits).values(fit).returning();
  return row;
}

export async function recentFits(db: DbOrTx, limit: number): Promise<CrowdFitRow[]> {
  return db.select().from(crowdFits).orderBy(desc(crowdFits.id)).limit(limit);
}

/** Stored per-tag rates and vote weight of some workers (the incremental update's model). */
export async function workerRatesFor(db: DbOrTx, userIds: string[]) {
  if (userIds.length === 0) return [];
  return db
    .select({
      userId: workerReliability.userId,
      sensitivityByTag: workerReliability.sensitivityByTag,
      specificityByTag: workerReliability.specificityByTag,
      weight: workerReliability.weight,
    })
    .from(workerReliability)
    .where(inArray(workerReliability.userId, userIds));
}

/**
 * Vote-kind answers created after `since`, counted up to `cap` (an index range scan that stops
 * early): "have enough new votes arrived to re-run EM?" costs at most `cap` index entries.
 */
export async function countVotesSince(db: DbOrTx, since: Date, cap: number): Promise<number> {
  const [row] = await execRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from (
          select 1 from votes where created_at > ${since.toISOString()}::timestamptz and kind in ('vote', 'targeted') limit ${cap}
        ) recent`,
  );
  return Number(row?.n ?? 0);
}

/** An EM job queued or running (updated within the last half hour, so a dead worker's row does not block forever). */
export async function emJobPending(db: DbOrTx, jobName: string): Promise<boolean> {
  const rows = await execRows<{ one: number }>(
    db,
    sql`select 1 as one from job_runs
        where name = ${jobName} and state in ('queued', 'active') and updated_at > now() - interval '30 minutes'
        limit 1`,
  );
  return rows.length > 0;
}

export async function databaseNow(db: DbOrTx): Promise<Date> {
  const [row] = await execRows<{ now: string | Date }>(db, sql`select now() as now`);
  return new Date(row.now);
}

// ---------------------------------------------------------------------------------------------
// The batched aggregator (./drain.ts): pending votes in, clip updates out

/** Drains never overlap: a second one waits for the first to commit (a transaction-scoped lock). */
export async function lockDrain(tx: DbOrTx): Promise<void> {
  await execRows(tx, sql`select pg_advisory_xact_lock(hashtext('chorus.drain-votes'))`);
}

/**
 * The oldest `limit` pending answers, in arrival order. No row lock: drains are serialised by
 * {@link lockDrain}, and the vote request never touches a vote row after inserting it. The partial
 * index `votes_pending_idx` holds only pending rows, so this reads `limit` index entries.
 */
export async function claimPendingVotes(tx: DbOrTx, limit: number): Promise<{ id: string; clip_id: string }[]> {
  return execRows(
    tx,
    sql`select id, clip_id from votes where aggregated_at is null
        order by created_at, id limit ${limit}::int`,
  );
}

export interface DrainClipRow {
  id: string;
  label_state: LabelState;
  gold_tags: string[] | null;
  gold_tolerated: string[] | null;
  /** `v`: the taxonomy version the answer was cast under. */
  answers: { u: string; k: 'vote' | 'targeted'; t: string[]; q: string | null; a: boolean | null; v: number }[];
}

/**
 * Some clips with their gold answer and every answer cast under this taxonomy version or an
 * older one (older answers are carried through the mapping by the caller), in one round trip.
 */
export async function clipsWithAnswersFor(db: DbOrTx, clipIds: string[], taxonomyVersion: number): Promise<DrainClipRow[]> {
  return execRows<DrainClipRow>(
    db,
    sql`select c.id, c.label_state, g.tags as gold_tags, g.tolerated as gold_tolerated,
               coalesce((select json_agg(json_build_object('u', v.user_id, 'k', v.kind, 't', v.tags, 'q', v.question_tag, 'a', v.answer,
                                                           'v', v.taxonomy_version)
                                         order by v.created_at, v.id)
                         from votes v
                         where v.clip_id = c.id and v.taxonomy_version <= ${taxonomyVersion}::int and v.kind in ('vote', 'targeted')),
                        '[]'::json) as answers
        from clips c left join gold_answers g on g.clip_id = c.id
        where c.id in (select jsonb_array_elements_text(${JSON.stringify(clipIds)}::jsonb)::uuid)`,
  );
}

export interface DrainedClip {
  clipId: string;
  state: LabelState;
  /** Raise the overlap target to at least this (null: keep it). */
  overlapTarget: number | null;
  tags: { tag: string; posterior: number; label: boolean; yes: number; no: number }[];
}

/**
 * Posteriors, states and overlap targets of many clips in one statement. Clip rows are locked
 * in id order first (no deadlock against another multi-clip writer that does the same), and
 * re-checked under the lock: an expert-resolved clip is never written. The target is only ever
 * raised — leases already out hold their slots. Returns how many clips were written.
 */
export async function writeDrainedClips(tx: DbOrTx, rows: DrainedClip[], method: string): Promise<number> {
  if (rows.length === 0) return 0;
  const clipsJson = JSON.stringify(rows.map((r) => ({ id: r.clipId, state: r.state, target: r.overlapTarget })));
  const aggJson = JSON.stringify(
    rows.flatMap((r) =>
      r.tags.map((t) => ({ clip_id: r.clipId, tag: t.tag, posterior: t.posterior, label: t.label, yes: t.yes, no: t.no })),
    ),
  );
  const [row] = await execRows<{ n: number }>(
    tx,
    sql`with x as (
          select * from jsonb_to_recordset(${clipsJson}::jsonb) as x(id uuid, state text, target int)
        ), locked as (
          select c.id from clips c where c.id in (select id from x) and c.label_state <> 'expert_resolved'
          order by c.id for no key update
        ), agg as (
          insert into aggregates (clip_id, tag, posterior, label, confidence, yes_votes, no_votes, method, updated_at)
          select a.clip_id, a.tag, a.posterior, a.label, greatest(a.posterior, 1 - a.posterior), a.yes, a.no, ${method}, now()
          from jsonb_to_recordset(${aggJson}::jsonb) as a(clip_id uuid, tag text, posterior double precision, label boolean, yes int, no int)
          where a.clip_id in (select id from locked)
          on conflict (clip_id, tag) do update set
            posterior = excluded.posterior, label = excluded.label, confidence = excluded.confidence,
            yes_votes = excluded.yes_votes, no_votes = excluded.no_votes, method = excluded.method, updated_at = excluded.updated_at
        ), st as (
          update clips c set
            state_changed_at = case when c.label_state <> x.state then now() else c.state_changed_at end,
            label_state = x.state,
            overlap_target = greatest(c.overlap_target, coalesce(x.target, c.overlap_target))
          from x where c.id = x.id and c.id in (select id from locked)
          returning c.id
        )
        select count(*)::int as n from st`,
  );
  return Number(row?.n ?? 0);
}

/** Marks claimed answers applied. */
export async function markVotesAggregated(tx: DbOrTx, voteIds: string[]): Promise<void> {
  if (voteIds.length === 0) return;
  await execRows(
    tx,
    sql`update votes set aggregated_at = now() where id in (select jsonb_array_elements_text(${JSON.stringify(voteIds)}::jsonb)::uuid)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Full aggregation: reading

export interface ClipSnapshot {
  id: string;
  voteCount: number;
  labelState: LabelState;
  overlapTarget: number;
  durationS: number | null;
  excerptStartS: number;
}

/** Every clip that has answers, with what the write-back guard compares against. */
export async function clipsWithAnswers(db: DbOrTx): Promise<Map<string, ClipSnapshot>> {
  const rows = await execRows<{
    id: string;
    vote_count: number;
    label_state: LabelState;
    overlap_target: number;
    duration_s: number | null;
    excerpt_start_s: number | null;
  }>(
    db,
    sql`select c.id, c.vote_count, c.label_state, c.overlap_target, c.duration_s, c.excerpt_start_s from clips c
        where c.vote_count > 0 or exists (select 1 from votes v where v.clip_id = c.id and v.kind = 'targeted')`,
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        voteCount: Number(r.vote_count),
        labelState: r.label_state,
        overlapTarget: Number(r.overlap_target),
        durationS: r.duration_s,
        excerptStartS: Number(r.excerpt_start_s ?? 0),
      },
    ]),
  );
}

export interface StreamedVote {
  id: string;
  clip_id: string;
  user_id: string;
  kind: 'vote' | 'targeted';
  tags: string[];
  question_tag: string | null;
  answer: boolean | null;
  listened_ms: number | null;
  created_at: string | Date;
  taxonomy_version: number;
}

/**
 * Votes and targeted answers of one taxonomy version (`scope` 'older': of every version before
 * it), `pageSize` rows at a time. On PostgreSQL one server-side cursor in one read-only
 * transaction (one plan, one snapshot, a sequential scan): id-keyset pages cost an index probe and
 * a round trip each, which at 1M votes was most of the full EM's read (bench/RESULTS.md, issue
 * 12). PGlite has no cursor over its single connection: keyset pages in id order there. The
 * order of the votes is not part of the contract (the fit and the spam signals are sums).
 */
export async function* streamVotes(
  db: DbOrTx,
  taxonomyVersion: number,
  pageSize = 5000,
  scope: 'this' | 'older' = 'this',
): AsyncGenerator<StreamedVote[]> {
  const version = scope === 'this' ? sql`taxonomy_version = ${taxonomyVersion}` : sql`taxonomy_version < ${taxonomyVersion}`;
  const columns = sql`id, clip_id, user_id, kind, tags, question_tag, answer, listened_ms, created_at, taxonomy_version`;
  const client = cursorClient(db);
  if (client) {
    yield* cursorBatches<StreamedVote>(
      client,
      sql`select ${columns} from votes where kind in ('vote', 'targeted') and ${version}`,
      Math.max(pageSize, 20_000),
    );
    return;
  }
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const page = await execRows<StreamedVote>(
      db,
      sql`select ${columns} from votes
          where kind in ('vote', 'targeted') and ${version} and id > ${after}::uuid
          order by id limit ${pageSize}`,
    );
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    after = page[page.length - 1].id;
  }
}

export interface WorkerAccount {
  id: string;
  role: string;
  status: 'active' | 'paused' | 'disabled';
  external: boolean;
  judgedFrom: Date | null;
}

/** Marker of the placeholder accounts that hold imported votes. */
export const EXTERNAL_EMAIL_DOMAIN = 'import.chorus.invalid';

export async function workerAccounts(db: DbOrTx, userIds: string[]): Promise<Map<string, WorkerAccount>> {
  const out = new Map<string, WorkerAccount>();
  for (let i = 0; i < userIds.length; i += 1000) {
    const chunk = userIds.slice(i, i + 1000);
    const rows = await execRows<{
      id: string;
      role: string;
      status: WorkerAccount['status'];
      email: string;
      judged_from: string | Date | null;
    }>(
      db,
      sql`select u.id, u.role, u.status, u.email, wr.judged_from from users u left join worker_reliability wr on wr.user_id = u.id
          where u.id in (${sql.join(
            chunk.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`,
    );
    for (const r of rows) {
      out.set(r.id, {
        id: r.id,
        role: r.role,
        status: r.status,
        external: r.email.toLowerCase().endsWith(`@${EXTERNAL_EMAIL_DOMAIN}`),
        judgedFrom: r.judged_from ? new Date(r.judged_from) : null,
      });
    }
  }
  return out;
}

/** Contributors an admin reactivated after a pause: judged only on answers since `judged_from`. */
export async function judgedFromByWorker(db: DbOrTx): Promise<Map<string, Date>> {
  const rows = await execRows<{ user_id: string; judged_from: string | Date }>(
    db,
    sql`select user_id, judged_from from worker_reliability where judged_from is not null`,
  );
  return new Map(rows.map((r) => [r.user_id, new Date(r.judged_from)]));
}

/**
 * A contributor the aggregator paused and an admin has since set active again: their history was
 * reviewed, so later judgements look only at votes after the pause (`judged_from`).
 */
export async function acknowledgeReactivations(db: DbOrTx): Promise<number> {
  const rows = await execRows<{ user_id: string }>(
    db,
    sql`update worker_reliability wr set judged_from = wr.paused_at, paused_at = null
        from users u where u.id = wr.user_id and wr.paused_at is not null and u.status = 'active'
        returning wr.user_id`,
  );
  return rows.length;
}

// ---------------------------------------------------------------------------------------------
// Full aggregation: writing

export interface ClipResult {
  clipId: string;
  /** The clip's vote_count when the run started; a clip that got a vote since is left to the vote drain (./drain.ts). */
  seenVotes: number;
  state: LabelState;
  overlapTarget: number;
  /** `label`: a positive label (posterior ≥ 0.5 with a yes vote or gold behind it; see supportedLabels). */
  tags: { tag: string; posterior: number; label: boolean; yes: number; no: number }[];
}

const CHUNK = 2000;

/** Clips per write statement of the full EM (each statement locks its clips until it commits). */
export const CLIP_WRITE_BATCH = 10_000;
const WRITE_LANES = 2;

/**
 * A stored posterior within this of the new one is unchanged: the column is a `real` (about seven
 * significant digits), so a double rewritten as it was read differs by up to ~6e-8.
 */
const POSTERIOR_TOLERANCE = 1e-6;

/**
 * Writes posteriors and states of many clips, skipping what did not change: an aggregate row is
 * rewritten only when its label, counts or method changed or its posterior moved by more than
 * {@link POSTERIOR_TOLERANCE}, a clip row only when its state or overlap target changed. One
 * statement per `batch` clips, each its own transaction: the clips are locked in id order (the
 * order the drain and the lease reaper lock clips in, lib/queue/repo.ts reclaimExpiredLeases) and
 * re-checked under the lock — the `vote_count = seen` guard skips a clip that received a vote
 * while the run was computing (its incremental posterior is newer) and every expert-resolved
 * clip — and then its aggregates and its state are written together, so a run stopped between
 * batches leaves each clip wholly old or wholly new. `onBatch` is called after each committed
 * batch with the clips done so far. Returns how many clips had anything written.
 */
export async function writeClipResults(
  db: DbOrTx,
  results: ClipResult[],
  method: string,
  options: { batch?: number; onBatch?: (done: number) => Promise<void> | void } = {},
): Promise<number> {
  const batch = options.batch ?? CLIP_WRITE_BATCH;
  let written = 0;
  let next = 0;
  let done = 0;
  let failed = false;
  const writeBatches = async () => {
    // A lane that failed stops the other at its next batch, as a crash would.
    while (next < results.length && !failed) {
      const chunk = results.slice(next, (next += batch));
      // One object per clip with its tags as parallel arrays: a fraction of the JSON (and of the
      // server's parsing) of one object per (clip, tag).
      const json = JSON.stringify(
        chunk.map((r) => ({
          id: r.clipId,
          seen: r.seenVotes,
          state: r.state,
          target: r.overlapTarget,
          g: r.tags.map((t) => t.tag),
          p: r.tags.map((t) => t.posterior),
          l: r.tags.map((t) => t.label),
          y: r.tags.map((t) => t.yes),
          n: r.tags.map((t) => t.no),
        })),
      );
      const [row] = await execRows<{ n: number }>(
        db,
        sql`with x as (
            select * from jsonb_to_recordset(${json}::jsonb)
              as x(id uuid, seen int, state text, target int, g text[], p double precision[], l boolean[], y int[], n int[])
          ), locked as (
            select c.id from clips c join x on x.id = c.id
            where c.vote_count = x.seen and c.label_state <> 'expert_resolved'
            order by c.id for no key update of c
          ), agg as (
            insert into aggregates (clip_id, tag, posterior, label, confidence, yes_votes, no_votes, method, updated_at)
            select x.id, t.tag, t.posterior, t.label, greatest(t.posterior, 1 - t.posterior), t.yes, t.no, ${method}, now()
            from x join locked k on k.id = x.id
            cross join lateral unnest(x.g, x.p, x.l, x.y, x.n) as t(tag, posterior, label, yes, no)
            on conflict (clip_id, tag) do update set
              posterior = excluded.posterior, label = excluded.label, confidence = excluded.confidence,
              yes_votes = excluded.yes_votes, no_votes = excluded.no_votes, method = excluded.method, updated_at = excluded.updated_at
            where aggregates.label <> excluded.label or aggregates.yes_votes <> excluded.yes_votes
              or aggregates.no_votes <> excluded.no_votes or aggregates.method <> excluded.method
              or abs(aggregates.posterior - excluded.posterior) > ${POSTERIOR_TOLERANCE}
            returning clip_id
          ), st as (
            update clips c set
              state_changed_at = case when c.label_state <> x.state then now() else c.state_changed_at end,
              label_state = x.state,
              overlap_target = x.target
            from x
            where c.id = x.id and c.id in (select id from locked)
              and (c.label_state <> x.state or c.overlap_target <> x.target)
            returning c.id
          )
          select count(*)::int as n from (select clip_id from agg union select id from st) w`,
      );
      written += Number(row?.n ?? 0);
      done += chunk.length;
      await options.onBatch?.(done);
    }
  };
  const lane = () =>
    writeBatches().catch((err: unknown) => {
      failed = true;
      throw err;
    });
  // On a pool, two batches at a time: the statements are the server's CPU work, node waits. Disjoint
  // clips, each locked in id order, so the two never wait on each other. PGlite runs one statement
  // at a time anyway.
  const lanes = cursorClient(db) ? WRITE_LANES : 1;
  const settled = await Promise.allSettled(Array.from({ length: lanes }, lane));
  const error = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (error) throw error.reason;
  return written;
}

export interface WorkerResult {
  userId: string;
  sensitivity: number;
  specificity: number;
  reliability: number;
  uncertainty: number;
  weight: number;
  voteCount: number;
  goldCorrect: number;
  goldTotal: number;
  flags: string[];
  sensitivityByTag: number[];
  specificityByTag: number[];
  tooFastShare: number;
  sameAnswerShare: number;
}

export async function writeWorkerResults(db: DbOrTx, rows: WorkerResult[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const json = JSON.stringify(
      rows.slice(i, i + CHUNK).map((r) => ({
        user_id: r.userId,
        sensitivity: r.sensitivity,
        specificity: r.specificity,
        reliability: r.reliability,
        uncertainty: r.uncertainty,
        weight: r.weight,
        vote_count: r.voteCount,
        gold_correct: r.goldCorrect,
        gold_total: r.goldTotal,
        flags: r.flags,
        sensitivity_by_tag: r.sensitivityByTag,
        specificity_by_tag: r.specificityByTag,
        too_fast_share: r.tooFastShare,
        same_answer_share: r.sameAnswerShare,
      })),
    );
    await execRows(
      db,
      sql`insert into worker_reliability (user_id, sensitivity, specificity, reliability, uncertainty, weight, vote_count, gold_correct,
            gold_total, flags, sensitivity_by_tag, specificity_by_tag, too_fast_share, same_answer_share, updated_at)
          select x.user_id, x.sensitivity, x.specificity, x.reliability, x.uncertainty, x.weight, x.vote_count, x.gold_correct,
            x.gold_total, x.flags, x.sensitivity_by_tag, x.specificity_by_tag, x.too_fast_share, x.same_answer_share, now()
          from jsonb_to_recordset(${json}::jsonb) as x(user_id uuid, sensitivity real, specificity real, reliability real, uncertainty real,
            weight real, vote_count int, gold_correct int, gold_total int, flags jsonb, sensitivity_by_tag real[], specificity_by_tag real[],
            too_fast_share real, same_answer_share real)
          join users u on u.id = x.user_id
          on conflict (user_id) do update set
            sensitivity = excluded.sensitivity, specificity = excluded.specificity, reliability = excluded.reliability,
            uncertainty = excluded.uncertainty, weight = excluded.weight, vote_count = excluded.vote_count,
            gold_correct = excluded.gold_correct, gold_total = excluded.gold_total, flags = excluded.flags,
            sensitivity_by_tag = excluded.sensitivity_by_tag, specificity_by_tag = excluded.specificity_by_tag,
            too_fast_share = excluded.too_fast_share, same_answer_share = excluded.same_answer_share, updated_at = excluded.updated_at`,
    );
  }
}

export async function insertAgreementStats(
  db: DbOrTx,
  computedAt: Date,
  rows: Omit<typeof agreementStats.$inferInsert, 'computedAt'>[],
) {
  if (rows.length === 0) return;
  await db.insert(agreementStats).values(rows.map((r) => ({ ...r, computedAt })));
}

/** Pauses an active account; false when it was not active (already paused, disabled, or reactivated meanwhile). */
export async function pauseAccount(db: DbOrTx, userId: string): Promise<boolean> {
  const rows = await execRows<{ id: string }>(
    db,
    sql`update users set status = 'paused' where id = ${userId} and status = 'active' returning id`,
  );
  if (rows.length === 0) return false;
  await execRows(db, sql`update worker_reliability set paused_at = now() where user_id = ${userId}`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Dashboards

export async function clipStateCounts(db: DbOrTx): Promise<Record<LabelState, number>> {
  const rows = await execRows<{ state: LabelState; n: number }>(
    db,
    sql`select label_state as state, count(*)::int as n from clips group by label_state`,
  );
  const out: Record<LabelState, number> = { open: 0, consensus: 0, disputed: 0, expert_resolved: 0 };
  for (const r of rows) out[r.state] = Number(r.n);
  return out;
}

export async function agreementSeries(db: DbOrTx, runs: number, scope?: 'tag' | 'batch' | 'overall') {
  return execRows<{
    computed_at: string | Date;
    scope: 'tag' | 'batch' | 'overall';
    tag: string | null;
    alpha: number | null;
    kappa: number | null;
    items: number;
  }>(
    db,
    sql`select computed_at, scope, tag, alpha, kappa, items from agreement_stats
        where computed_at in (select distinct computed_at from agreement_stats order by computed_at desc limit ${runs})
          ${scope ? sql`and scope = ${scope}` : sql``}
        order by computed_at, scope, tag`,
  );
}

export interface ReliabilityListRow {
  user_id: string;
  name: string;
  email: string;
  role: string;
  status: string;
  reliability: number;
  uncertainty: number;
  sensitivity: number;
  specificity: number;
  vote_count: number;
  gold_correct: number;
  gold_total: number;
  weight: number;
  too_fast_share: number;
  same_answer_share: number;
  flags: string[];
  updated_at: string | Date;
}

export async function listWorkerReliability(
  db: DbOrTx,
  opts: { limit: number; offset: number; sort: 'reliability' | 'votes' | 'weight'; flagged: boolean },
): Promise<{ total: number; rows: ReliabilityListRow[] }> {
  const order =
    opts.sort === 'votes' ? sql`wr.vote_count desc` : opts.sort === 'weight' ? sql`wr.weight asc` : sql`wr.reliability asc`;
  const where = opts.flagged ? sql`where jsonb_array_length(wr.flags) > 0` : sql``;
  const [{ n }] = await execRows<{ n: number }>(db, sql`select count(*)::int as n from worker_reliability wr ${where}`);
  const rows = await execRows<ReliabilityListRow>(
    db,
    sql`select wr.user_id, u.name, u.email, u.role, u.status, wr.reliability, wr.uncertainty, wr.sensitivity, wr.specificity, wr.vote_count,
               wr.gold_correct, wr.gold_total, wr.weight, wr.too_fast_share, wr.same_answer_share, wr.flags, wr.updated_at
        from worker_reliability wr join users u on u.id = wr.user_id
        ${where}
        order by ${order}, wr.user_id
        limit ${opts.limit} offset ${opts.offset}`,
  );
  return { total: Number(n), rows };
}

export interface GoldHistoryRow {
  n: number;
  kind: 'vote' | 'targeted';
  tags: string[];
  question_tag: string | null;
  answer: boolean | null;
  gold_tags: string[];
  tolerated: string[];
}

/**
 * One contributor's answers on gold clips, each with its position among all their answers
 * (1-based, in time order), plus the number of answers; only answers older than `settledSeconds`
 * (the undo window: a contributor's figures never move on an answer they can still take back).
 * O(the contributor's answers).
 */
export async function goldHistoryOf(
  db: DbOrTx,
  userId: string,
  settledSeconds = 0,
): Promise<{ total: number; gold: GoldHistoryRow[] }> {
  const settled = sql`created_at < now() - make_interval(secs => ${settledSeconds}::int)`;
  const [{ n }] = await execRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from votes where user_id = ${userId} and kind in ('vote', 'targeted') and ${settled}`,
  );
  const gold = await execRows<GoldHistoryRow>(
    db,
    sql`select m.n::int as n, m.kind, m.tags, m.question_tag, m.answer, g.tags as gold_tags, g.tolerated
        from (
          select v.clip_id, v.kind, v.tags, v.question_tag, v.answer, row_number() over (order by v.created_at, v.id) as n
          from votes v where v.user_id = ${userId} and v.kind in ('vote', 'targeted') and v.${settled}
        ) m join gold_answers g on g.clip_id = m.clip_id
        order by m.n`,
  );
  return { total: Number(n), gold: gold.map((g) => ({ ...g, n: Number(g.n) })) };
}

/**
 * Full votes of one taxonomy version on the `clipLimit` clips with at least two of them that were
 * answered most recently: what /loop's per-annotator agreement reads, bounded whatever the size of
 * the catalog. An empty tag set is a "none of these" vote (no to every tag).
 */
export async function recentSharedVotes(
  db: DbOrTx,
  taxonomyVersion: number,
  clipLimit: number,
): Promise<{ item: string; worker: string; tags: string[] }[]> {
  const rows = await execRows<{ clip_id: string; user_id: string; tags: string[] }>(
    db,
    sql`with recent as (
          select clip_id from votes where kind = 'vote' and taxonomy_version = ${taxonomyVersion}::int
          group by clip_id having count(*) >= 2
          order by max(created_at) desc limit ${clipLimit}::int
        )
        select v.clip_id, v.user_id, v.tags from votes v join recent r on r.clip_id = v.clip_id
        where v.kind = 'vote' and v.taxonomy_version = ${taxonomyVersion}::int`,
  );
  return rows.map((r) => ({ item: r.clip_id, worker: r.user_id, tags: r.tags ?? [] }));
}

/**
 * Median answer time (ms from the clip on screen to the answer, as the labeler sends it in
 * `listenedMs`) per contributor, over their votes and yes/no answers that carry one (skips and
 * flags are not answers). Users without a timed answer are absent.
 */
export async function medianAnswerMs(db: DbOrTx, userIds: string[]): Promise<Map<string, { medianMs: number; answers: number }>> {
  if (userIds.length === 0) return new Map();
  const rows = await execRows<{ user_id: string; median_ms: number; answers: number }>(
    db,
    sql`select user_id, percentile_cont(0.5) within group (order by listened_ms) as median_ms, count(*)::int as answers
        from votes
        where user_id in (select jsonb_array_elements_text(${JSON.stringify(userIds)}::jsonb)::uuid)
          and kind in ('vote', 'targeted') and listened_ms is not null
        group by user_id`,
  );
  return new Map(rows.map((r) => [r.user_id, { medianMs: Number(r.median_ms), answers: Number(r.answers) }]));
}
