import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { clips, projectAnswers, projectLeases, type PAIRWISE_CHOICES, type PROJECT_LEASE_STATES } from '@/db/schema';

type PairwiseChoice = (typeof PAIRWISE_CHOICES)[number];

/**
 * The one module that reads and writes the queue state of valence–arousal and pairwise projects:
 * `project_items` counters and priorities, `project_leases` and `project_answers`. (Project
 * creation inserts the `project_items` rows; everything after that goes through here.)
 */

/**
 * Sets the queue priority of the listed clips of a project in one statement (the aggregation's
 * posterior spread or expected ranking change). Clips not listed keep theirs; clips that are not
 * items of the project are ignored.
 */
export async function setItemPriorities(
  db: DbOrTx,
  projectId: string,
  entries: { clipId: string; priority: number }[],
): Promise<number> {
  if (entries.length === 0) return 0;
  const json = JSON.stringify(entries.map((e) => ({ clip_id: e.clipId, priority: e.priority })));
  const rows = await execRows<{ clip_id: string }>(
    db,
    sql`update project_items i set priority = x.priority
          from jsonb_to_recordset(${json}::jsonb) as x(clip_id uuid, priority double precision)
         where i.project_id = ${projectId} and i.clip_id = x.clip_id
        returning i.clip_id`,
  );
  return rows.length;
}

export interface StoredAnswer {
  userId: string;
  clipId: string;
  /** Pairwise: the second clip of the comparison (null for a rating). */
  clipBId: string | null;
  valence: number | null;
  arousal: number | null;
  /** Pairwise: 'a' = clipId is more <attribute>, 'b' = clipBId is, 'same'. */
  choice: PairwiseChoice | null;
  createdAt: Date;
}

/** Every stored answer of a project, oldest first (what the aggregation fits). */
export async function readAnswers(db: DbOrTx, projectId: string): Promise<StoredAnswer[]> {
  return db
    .select({
      userId: projectAnswers.userId,
      clipId: projectAnswers.clipId,
      clipBId: projectAnswers.clipBId,
      valence: projectAnswers.valence,
      arousal: projectAnswers.arousal,
      choice: projectAnswers.choice,
      createdAt: projectAnswers.createdAt,
    })
    .from(projectAnswers)
    .where(eq(projectAnswers.projectId, projectId))
    .orderBy(asc(projectAnswers.createdAt), asc(projectAnswers.id));
}

/** The playable fields of a clip, as the queue hands them out. */
export interface TaskClipRow {
  id: string;
  title: string;
  artist: string;
  durationS: number | null;
  excerptStartS: number;
  playbackGainDb: number;
}

export interface ProjectLeaseRow {
  id: string;
  clipId: string;
  /** Pairwise: the clip shown second ("b"); null for a rating. */
  clipBId: string | null;
  expiresAt: Date;
}

const uuidList = (ids: readonly string[]) =>
  sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );

/**
 * Per clip of the project, how many live (active, unexpired) leases involve it — as `a` or as `b`.
 * An expired lease frees its slot at once, reaped or not: its holder can no longer answer it.
 */
const liveLoad = (projectId: string) =>
  sql`select x.clip_id, count(*)::int as n from (
        select clip_id from project_leases where project_id = ${projectId}::uuid and state = 'active' and expires_at > now()
        union all
        select clip_b_id from project_leases
         where project_id = ${projectId}::uuid and state = 'active' and expires_at > now() and clip_b_id is not null
      ) x group by x.clip_id`;

/** Clips the caller holds under a live lease of the project (as `a` or `b`). */
const heldBy = (projectId: string, userId: string) =>
  sql`select clip_id from project_leases
       where project_id = ${projectId}::uuid and user_id = ${userId}::uuid and state = 'active' and expires_at > now()
      union all
      select clip_b_id from project_leases
       where project_id = ${projectId}::uuid and user_id = ${userId}::uuid and state = 'active' and expires_at > now()
         and clip_b_id is not null`;

/** A clip the queue may hand out: extraction did not fail and its audio is still stored. */
const playable = sql`c.status <> 'failed' and c.audio_key is not null`;

/** The caller's live leases in the project, oldest first. */
export async function liveLeasesOf(db: DbOrTx, projectId: string, userId: string): Promise<ProjectLeaseRow[]> {
  const rows = await execRows<{ id: string; clip_id: string; clip_b_id: string | null; expires_at: Date | string }>(
    db,
    sql`select id, clip_id, clip_b_id, expires_at from project_leases
         where project_id = ${projectId}::uuid and user_id = ${userId}::uuid and state = 'active' and expires_at > now()
         order by created_at, id`,
  );
  return rows.map(toLease);
}

function toLease(r: { id: string; clip_id: string; clip_b_id: string | null; expires_at: Date | string }): ProjectLeaseRow {
  return { id: r.id, clipId: r.clip_id, clipBId: r.clip_b_id, expiresAt: new Date(r.expires_at) };
}

export interface PickScope {
  projectId: string;
  userId: string;
  overlap: number;
  /** Clips not to hand out (the client's exclude list, plus items this pick already found full). */
  exclude: readonly string[];
}

/**
 * How many open items, in the priority index's order, a pick ranks by load. Walking the index
 * (`project_items_queue_idx`) and stopping there keeps a pick cheap on a project of 100,000 clips,
 * where sorting every item by its load took over 100 ms a pick.
 */
const PICK_WINDOW = 200;

/**
 * The first {@link PICK_WINDOW} items of the project the caller may be given, by priority (then
 * clip id, the index's order): playable, under their overlap (answers + live leases, a comparison
 * counting for both its clips), not held by the caller, not excluded, and for a rating not rated
 * by the caller. Each with its load, for the caller to rank by (priority, then fewest). The
 * ranking is exact whenever fewer than PICK_WINDOW open items share the top priority (always,
 * once the aggregation set the priorities); before that, among equal priorities, the fewest are
 * taken among the window's items.
 */
function openWindow(scope: PickScope, forRating: boolean) {
  const { projectId, userId } = scope;
  // Every filter is a per-row subplan (scalar subqueries, hashed NOT IN) rather than a join, so the
  // planner walks the priority index and stops after PICK_WINDOW rows instead of joining every item.
  return sql`with live as (${liveLoad(projectId)})
    select i.clip_id, i.priority, i.answer_count + coalesce((select l.n from live l where l.clip_id = i.clip_id), 0) as load
      from project_items i
     where i.project_id = ${projectId}::uuid
       and (select ${playable} from clips c where c.id = i.clip_id)
       and i.answer_count + coalesce((select l.n from live l where l.clip_id = i.clip_id), 0) < ${scope.overlap}::int
       ${
         forRating
           ? sql`and i.clip_id not in (select a.clip_id from project_answers a
                                        where a.project_id = ${projectId}::uuid and a.user_id = ${userId}::uuid
                                          and a.clip_b_id is null)`
           : sql``
       }
       and i.clip_id not in (${heldBy(projectId, userId)})
       ${scope.exclude.length ? sql`and i.clip_id not in (${uuidList(scope.exclude)})` : sql``}
     -- nulls last: the index's order (priority is never null, but the planner only walks an index whose order matches).
     order by i.priority desc nulls last, i.clip_id
     limit ${PICK_WINDOW}::int`;
}

/**
 * Valence–arousal: locks and returns the item to lease next — the highest priority, then the
 * fewest answers + live leases, among the open items of {@link openWindow}. `skipLocked` passes
 * over items another pick has locked this instant. The overlap is checked again under the lock by
 * {@link insertLeaseIfOpen}: this statement's snapshot may predate a lease committed just before
 * the lock was granted.
 */
export async function lockNextRatingItem(tx: DbOrTx, scope: PickScope, skipLocked: boolean): Promise<string | null> {
  const [row] = await execRows<{ clip_id: string }>(
    tx,
    sql`select i.clip_id from (${openWindow(scope, true)}) w
          join project_items i on i.project_id = ${scope.projectId}::uuid and i.clip_id = w.clip_id
         order by w.priority desc, w.load, w.clip_id
         limit 1
         for update of i ${skipLocked ? sql`skip locked` : sql``}`,
  );
  return row?.clip_id ?? null;
}

/**
 * Pairwise: up to `limit` open items of {@link openWindow} (each comparison counts for both of
 * its clips), the highest priority then the fewest comparisons first. Bounded, so the pair choice
 * (all pairs among them scored) stays cheap on a big project.
 */
export async function openPairCandidates(db: DbOrTx, scope: PickScope, limit: number): Promise<string[]> {
  const rows = await execRows<{ clip_id: string }>(
    db,
    sql`select w.clip_id from (${openWindow(scope, false)}) w
         order by w.priority desc, w.load, w.clip_id
         limit ${limit}::int`,
  );
  return rows.map((r) => r.clip_id);
}

/** The unordered pairs among `clipIds` the caller has already compared in the project, as `pairKeyOf` keys. */
export async function comparedPairs(db: DbOrTx, projectId: string, userId: string, clipIds: readonly string[]): Promise<Set<string>> {
  if (clipIds.length < 2) return new Set();
  const ids = uuidList(clipIds);
  const rows = await execRows<{ clip_id: string; clip_b_id: string }>(
    db,
    sql`select clip_id, clip_b_id from project_answers
         where project_id = ${projectId}::uuid and user_id = ${userId}::uuid and clip_b_id is not null
           and clip_id in (${ids}) and clip_b_id in (${ids})`,
  );
  return new Set(rows.map((r) => pairKeyOf(r.clip_id, r.clip_b_id)));
}

/** The key of an unordered pair of clips. */
export function pairKeyOf(x: string, y: string): string {
  return x < y ? `${x},${y}` : `${y},${x}`;
}

/**
 * Locks the items of `clipIds` in clip id order (the one order every locker of several items
 * keeps, so two picks cannot deadlock); true when all of them were locked (`skipLocked`: false
 * as soon as another transaction holds one).
 */
export async function lockItems(tx: DbOrTx, projectId: string, clipIds: readonly string[], skipLocked: boolean): Promise<boolean> {
  const rows = await execRows<{ clip_id: string }>(
    tx,
    sql`select clip_id from project_items
         where project_id = ${projectId}::uuid and clip_id in (${uuidList(clipIds)})
         order by clip_id
         for update ${skipLocked ? sql`skip locked` : sql``}`,
  );
  return rows.length === new Set(clipIds).size;
}

/**
 * Inserts the caller's lease on a clip (rating) or an ordered pair (a = `clipId`, b = `clipBId`)
 * when every clip involved is still under its overlap, the caller holds none of them and has not
 * answered it yet;
 * null when not. Run with the items locked (`lockNextRatingItem` / `lockItems`): a new statement,
 * so its snapshot includes every lease committed by whoever held the lock before.
 */
export async function insertLeaseIfOpen(
  tx: DbOrTx,
  scope: Omit<PickScope, 'exclude'> & { leaseMinutes: number },
  clipId: string,
  clipBId: string | null,
): Promise<ProjectLeaseRow | null> {
  const { projectId, userId } = scope;
  const clipIds = clipBId ? [clipId, clipBId] : [clipId];
  const answered = clipBId
    ? sql`a.clip_b_id is not null and least(a.clip_id, a.clip_b_id) = least(${clipId}::uuid, ${clipBId}::uuid)
          and greatest(a.clip_id, a.clip_b_id) = greatest(${clipId}::uuid, ${clipBId}::uuid)`
    : sql`a.clip_b_id is null and a.clip_id = ${clipId}::uuid`;
  const rows = await execRows<{ id: string; clip_id: string; clip_b_id: string | null; expires_at: Date | string }>(
    tx,
    sql`with live as (${liveLoad(projectId)}), open as (
          select count(*)::int as n from project_items i left join live l on l.clip_id = i.clip_id
           where i.project_id = ${projectId}::uuid and i.clip_id in (${uuidList(clipIds)})
             and i.answer_count + coalesce(l.n, 0) < ${scope.overlap}::int
        )
        insert into project_leases (project_id, user_id, clip_id, clip_b_id, expires_at)
        select ${projectId}::uuid, ${userId}::uuid, ${clipId}::uuid, ${clipBId}::uuid,
               now() + make_interval(mins => ${scope.leaseMinutes}::int)
         where (select n from open) = ${clipIds.length}::int
           -- The caller's other tab may have taken one of these clips since the pick read its leases.
           and not exists (select 1 from (${heldBy(projectId, userId)}) h where h.clip_id in (${uuidList(clipIds)}))
           and not exists (select 1 from project_answers a
                            where a.project_id = ${projectId}::uuid and a.user_id = ${userId}::uuid and ${answered})
        returning id, clip_id, clip_b_id, expires_at`,
  );
  return rows[0] ? toLease(rows[0]) : null;
}

/** The playable fields of these clips, by id. */
export async function taskClips(db: DbOrTx, clipIds: readonly string[]): Promise<Map<string, TaskClipRow>> {
  const rows = await db
    .select({
      id: clips.id,
      title: clips.title,
      artist: clips.artist,
      durationS: clips.durationS,
      excerptStartS: clips.excerptStartS,
      playbackGainDb: clips.playbackGainDb,
    })
    .from(clips)
    .where(inArray(clips.id, [...clipIds]));
  return new Map(rows.map((r) => [r.id, r]));
}

export interface LockedLease {
  id: string;
  projectId: string;
  userId: string;
  clipId: string;
  clipBId: string | null;
  state: (typeof PROJECT_LEASE_STATES)[number];
  expired: boolean;
}

/** A lease, locked for the answer that settles it (serialises concurrent submits on it). */
export async function lockLease(tx: DbOrTx, leaseId: string): Promise<LockedLease | null> {
  const [row] = await execRows<{
    id: string;
    project_id: string;
    user_id: string;
    clip_id: string;
    clip_b_id: string | null;
    state: LockedLease['state'];
    expired: boolean;
  }>(
    tx,
    sql`select id, project_id, user_id, clip_id, clip_b_id, state, expires_at <= now() as expired
          from project_leases where id = ${leaseId}::uuid for update`,
  );
  return row
    ? { id: row.id, projectId: row.project_id, userId: row.user_id, clipId: row.clip_id, clipBId: row.clip_b_id, state: row.state, expired: row.expired }
    : null;
}

/** The answer the caller stored under this idempotency key in the project, if any. */
export async function findAnswerByKey(
  db: DbOrTx,
  projectId: string,
  userId: string,
  idempotencyKey: string,
): Promise<{ id: string; leaseId: string | null } | null> {
  const [row] = await db
    .select({ id: projectAnswers.id, leaseId: projectAnswers.leaseId })
    .from(projectAnswers)
    .where(
      and(
        eq(projectAnswers.projectId, projectId),
        eq(projectAnswers.userId, userId),
        eq(projectAnswers.idempotencyKey, idempotencyKey),
      ),
    )
    .limit(1);
  return row ?? null;
}

export interface NewAnswer {
  lease: LockedLease;
  idempotencyKey: string;
  listenedMs: number | null;
  valence: number | null;
  arousal: number | null;
  choice: PairwiseChoice | null;
}

/**
 * Stores the answer to a lease (the pair in the lease's a/b order, so `choice` reads against it),
 * completes the lease and counts the answer on its clip(s), in the caller's transaction. Null when
 * a unique index refused it — the key already used, or this clip / unordered pair already answered
 * by the caller — with nothing written; the caller tells which.
 */
export async function storeAnswer(tx: DbOrTx, answer: NewAnswer): Promise<string | null> {
  const { lease } = answer;
  const [row] = await tx
    .insert(projectAnswers)
    .values({
      projectId: lease.projectId,
      userId: lease.userId,
      leaseId: lease.id,
      clipId: lease.clipId,
      clipBId: lease.clipBId,
      valence: answer.valence,
      arousal: answer.arousal,
      choice: answer.choice,
      listenedMs: answer.listenedMs,
      idempotencyKey: answer.idempotencyKey,
    })
    .onConflictDoNothing()
    .returning({ id: projectAnswers.id });
  if (!row) return null;
  await tx.update(projectLeases).set({ state: 'completed' }).where(eq(projectLeases.id, lease.id));
  const clipIds = lease.clipBId ? [lease.clipId, lease.clipBId].sort() : [lease.clipId];
  await execRows(
    tx,
    sql`with locked as (
          select clip_id from project_items
           where project_id = ${lease.projectId}::uuid and clip_id in (${uuidList(clipIds)})
           order by clip_id for update
        )
        update project_items i set answer_count = i.answer_count + 1
          from locked where i.project_id = ${lease.projectId}::uuid and i.clip_id = locked.clip_id`,
  );
  return row.id;
}

/** Gives an active lease back without an answer (a skip); its slot is free at once. */
export async function releaseLeaseRow(db: DbOrTx, leaseId: string): Promise<void> {
  await db
    .update(projectLeases)
    .set({ state: 'released' })
    .where(and(eq(projectLeases.id, leaseId), eq(projectLeases.state, 'active')));
}

/**
 * Releases the caller's own active lease in the project. 'released' when it was, 'inactive' when
 * it is theirs but already answered, released or expired, null when it is not theirs (or not in
 * this project, or missing).
 */
export async function releaseOwnLease(
  db: DbOrTx,
  projectId: string,
  userId: string,
  leaseId: string,
): Promise<'released' | 'inactive' | null> {
  const [row] = await execRows<{ released: boolean }>(
    db,
    sql`with mine as (
          select id, state from project_leases
           where id = ${leaseId}::uuid and project_id = ${projectId}::uuid and user_id = ${userId}::uuid
        ), done as (
          update project_leases l set state = 'released' from mine m where l.id = m.id and m.state = 'active' returning l.id
        )
        select exists (select 1 from done) as released from mine`,
  );
  if (!row) return null;
  return row.released ? 'released' : 'inactive';
}

/**
 * Marks active project leases past their expiry as expired (run by the reap-leases job). Nothing
 * else moves: a project item's load counts live leases only, so an expired lease freed its slot
 * already; this only keeps the active-lease indexes small and the states honest.
 */
export async function expireProjectLeases(db: DbOrTx): Promise<number> {
  const rows = await execRows<{ id: string }>(
    db,
    sql`update project_leases set state = 'expired' where state = 'active' and expires_at <= now() returning id`,
  );
  return rows.length;
}
