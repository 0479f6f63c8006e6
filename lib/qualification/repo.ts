import { and, eq, isNull, sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { qualificationRounds } from '@/db/schema';
import { isUniqueViolation } from '@/lib/queue/repo';

/**
 * The `qualification_rounds` table's one reader and writer (issue 15, item 2), plus the reads a
 * round needs from gold answers and votes. Gold answers never leave this module toward a
 * contributor: the service only hands back counts.
 */

export interface QualificationFacts {
  role: string;
  status: string;
  /** When the contributor qualified (a passed or granted row), or null. */
  qualifiedAt: Date | null;
  open: { id: string; clipIds: string[] } | null;
  /** The latest failed round's retry time, when it is the latest round. */
  retryAt: Date | null;
  /** Gold clips a round may draw from (see countRoundGold), when asked for with `goldVersion`. */
  goldClips?: number;
}

const toDate = (v: Date | string | null) => (v === null ? null : v instanceof Date ? v : new Date(v));

/** Everything the status needs in one statement; undefined for an unknown user. */
export async function qualificationFacts(
  db: DbOrTx,
  userId: string,
  goldVersion?: number,
): Promise<QualificationFacts | undefined> {
  const [row] = await execRows<{
    gold_clips: number | null;
    role: string;
    status: string;
    qualified_at: Date | string | null;
    open_id: string | null;
    open_clips: string[] | null;
    retry_at: Date | string | null;
  }>(
    db,
    sql`select u.role, u.status,
               (select min(q.finished_at) from qualification_rounds q where q.user_id = u.id and q.passed) as qualified_at,
               o.id as open_id, o.clip_ids as open_clips,
               (select q.retry_at from qualification_rounds q where q.user_id = u.id and q.finished_at is not null
                order by q.finished_at desc limit 1) as retry_at,
               ${
                 goldVersion === undefined
                   ? sql`null::int`
                   : sql`(select count(*)::int from gold_answers g join clips c on c.id = g.clip_id
                          where g.taxonomy_version = ${goldVersion}::int and c.status <> 'failed')`
               } as gold_clips
        from users u
        left join qualification_rounds o on o.user_id = u.id and o.finished_at is null
        where u.id = ${userId}::uuid`,
    // On every next clip and vote of a contributor not known qualified: planned once per connection.
    { prepare: true },
  );
  if (!row) return undefined;
  return {
    role: row.role,
    status: row.status,
    qualifiedAt: toDate(row.qualified_at),
    open: row.open_id ? { id: row.open_id, clipIds: row.open_clips ?? [] } : null,
    retryAt: toDate(row.retry_at),
    ...(row.gold_clips === null ? {} : { goldClips: Number(row.gold_clips) }),
  };
}

/** Gold clips a round may draw from: answers under the active taxonomy version, on playable clips. */
export async function countRoundGold(db: DbOrTx, activeVersion: number): Promise<number> {
  const [row] = await execRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from gold_answers g join clips c on c.id = g.clip_id
        where g.taxonomy_version = ${activeVersion} and c.status <> 'failed'`,
  );
  return Number(row?.n ?? 0);
}

/**
 * Opens a round of up to `n` gold clips drawn at random among those this contributor never
 * answered (a vote per clip and person: a retry gets fresh clips) and never decided as an expert.
 * Returns the open round (a concurrent request's, when it won the race), or null when no clip is left.
 */
export async function drawRound(
  db: DbOrTx,
  userId: string,
  n: number,
  activeVersion: number,
): Promise<{ id: string; clipIds: string[] } | null> {
  try {
    const [row] = await execRows<{ id: string; clip_ids: string[] }>(
      db,
      sql`with pick as (
            select g.clip_id from gold_answers g join clips c on c.id = g.clip_id
            where g.taxonomy_version = ${activeVersion} and c.status <> 'failed'
              and not exists (select 1 from votes v where v.clip_id = g.clip_id and v.user_id = ${userId}::uuid)
              and not exists (select 1 from expert_decisions d where d.clip_id = g.clip_id and d.user_id = ${userId}::uuid)
            order by random() limit ${n}::int
          )
          insert into qualification_rounds (user_id, clip_ids)
          select ${userId}::uuid, array_agg(p.clip_id) from pick p having count(*) > 0
          returning id, clip_ids`,
    );
    return row ? { id: row.id, clipIds: row.clip_ids } : null;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const [open] = await db
      .select({ id: qualificationRounds.id, clipIds: qualificationRounds.clipIds })
      .from(qualificationRounds)
      .where(and(eq(qualificationRounds.userId, userId), isNull(qualificationRounds.finishedAt)));
    return open ?? null;
  }
}

/** The open round, locked for its settlement; null when none is open. */
export async function lockOpenRound(tx: DbOrTx, userId: string): Promise<{ id: string; clipIds: string[] } | null> {
  const [row] = await tx
    .select({ id: qualificationRounds.id, clipIds: qualificationRounds.clipIds })
    .from(qualificationRounds)
    .where(and(eq(qualificationRounds.userId, userId), isNull(qualificationRounds.finishedAt)))
    .for('update');
  return row ?? null;
}

/** The contributor's answers to a round's clips, each with its gold answer (vote, skip or flag; targeted answers are never asked on gold). */
export async function roundAnswers(
  db: DbOrTx,
  userId: string,
  clipIds: readonly string[],
): Promise<{ clipId: string; kind: string; tags: string[]; gold: { tags: string[]; tolerated: string[] } }[]> {
  if (clipIds.length === 0) return [];
  const rows = await execRows<{ clip_id: string; kind: string; tags: string[]; gold_tags: string[]; gold_tolerated: string[] }>(
    db,
    sql`select v.clip_id, v.kind, v.tags, g.tags as gold_tags, g.tolerated as gold_tolerated
        from votes v join gold_answers g on g.clip_id = v.clip_id
        where v.user_id = ${userId}::uuid and v.kind <> 'targeted'
          and v.clip_id::text in (select jsonb_array_elements_text(${JSON.stringify(clipIds)}::jsonb))`,
  );
  return rows.map((r) => ({
    clipId: r.clip_id,
    kind: r.kind,
    tags: r.tags,
    gold: { tags: r.gold_tags, tolerated: r.gold_tolerated },
  }));
}

/** How many of the round's clips the contributor answered (for the progress shown to them). */
export async function countRoundAnswers(db: DbOrTx, userId: string, clipIds: readonly string[]): Promise<number> {
  if (clipIds.length === 0) return 0;
  const [row] = await execRows<{ n: number }>(
    db,
    sql`select count(distinct v.clip_id)::int as n from votes v
        where v.user_id = ${userId}::uuid and v.kind <> 'targeted'
          and v.clip_id::text in (select jsonb_array_elements_text(${JSON.stringify(clipIds)}::jsonb))`,
  );
  return Number(row?.n ?? 0);
}

export async function finishRound(
  tx: DbOrTx,
  roundId: string,
  result: { right: number; total: number; threshold: number; passed: boolean; retryAt: Date | null },
): Promise<void> {
  await tx
    .update(qualificationRounds)
    .set({
      finishedAt: sql`now()`,
      tagChecksRight: result.right,
      tagChecksTotal: result.total,
      threshold: result.threshold,
      passed: result.passed,
      retryAt: result.retryAt,
    })
    .where(eq(qualificationRounds.id, roundId));
}

/** Qualifies a contributor without a round (the demo crowd, an admin's decision). Idempotent. */
export async function insertGrant(db: DbOrTx, userId: string): Promise<boolean> {
  const rows = await execRows<{ id: string }>(
    db,
    sql`insert into qualification_rounds (user_id, source, finished_at, passed)
        select ${userId}::uuid, 'granted', now(), true
        where not exists (select 1 from qualification_rounds q where q.user_id = ${userId}::uuid and q.passed)
        returning id`,
  );
  return rows.length > 0;
}

/** Contributors (role contributor, platform accounts) by where they stand, for /loop. */
export async function roundCounts(db: DbOrTx): Promise<{ qualified: number; inProgress: number; failed: number }> {
  const [row] = await execRows<{ qualified: number; in_progress: number; failed: number }>(
    db,
    sql`select
          (select count(distinct q.user_id) from qualification_rounds q where q.passed)::int as qualified,
          (select count(*) from qualification_rounds q where q.finished_at is null)::int as in_progress,
          (select count(distinct q.user_id) from qualification_rounds q where q.passed = false
             and not exists (select 1 from qualification_rounds p where p.user_id = q.user_id and p.passed))::int as failed`,
  );
  return { qualified: Number(row.qualified), inProgress: Number(row.in_progress), failed: Number(row.failed) };
}

/** The clip a lease is for, and whether it is the caller's crowd lease (for the vote gate). */
export async function leaseClip(db: DbOrTx, leaseId: string): Promise<string | undefined> {
  const [row] = await execRows<{ clip_id: string }>(db, sql`select clip_id from leases where id = ${leaseId}::uuid`);
  return row?.clip_id;
}

/**
 * Takes a qualification back (an admin's decision): every passed or granted row becomes a failed
 * one whose retry time is now, so the contributor's next request draws a fresh round. True when
 * they were qualified.
 */
export async function revokeQualificationRows(db: DbOrTx, userId: string): Promise<boolean> {
  const rows = await execRows<{ id: string }>(
    db,
    sql`update qualification_rounds set passed = false, retry_at = now()
        where user_id = ${userId}::uuid and passed
        returning id`,
  );
  return rows.length > 0;
}

/** Every platform contributor (imported external workers left out) with where they stand, for /admin/qualification. */
export async function listContributorQualification(db: DbOrTx): Promise<
  {
    id: string;
    name: string;
    email: string;
    status: string;
    qualifiedAt: string | null;
    granted: boolean;
    lastRound: { passed: boolean | null; finishedAt: string | null; retryAt: string | null } | null;
  }[]
> {
  const rows = await execRows<{
    id: string;
    name: string;
    email: string;
    status: string;
    qualified_at: Date | string | null;
    granted: boolean;
    last_passed: boolean | null;
    last_finished: Date | string | null;
    last_retry: Date | string | null;
    has_round: boolean;
  }>(
    db,
    sql`select u.id, u.name, u.email, u.status,
               (select min(q.finished_at) from qualification_rounds q where q.user_id = u.id and q.passed) as qualified_at,
               exists (select 1 from qualification_rounds q where q.user_id = u.id and q.passed and q.source = 'granted') as granted,
               l.passed as last_passed, l.finished_at as last_finished, l.retry_at as last_retry, l.id is not null as has_round
        from users u
        left join lateral (select q.id, q.passed, q.finished_at, q.retry_at from qualification_rounds q
                           where q.user_id = u.id and q.source = 'round' order by q.started_at desc limit 1) l on true
        where u.role = 'contributor' and u.password_hash is not null
        order by u.created_at desc
        limit 1000`,
  );
  const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    email: r.email,
    status: r.status,
    qualifiedAt: iso(r.qualified_at),
    granted: r.granted,
    lastRound: r.has_round ? { passed: r.last_passed, finishedAt: iso(r.last_finished), retryAt: iso(r.last_retry) } : null,
  }));
}
