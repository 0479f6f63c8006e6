import { sql, type SQL } from 'drizzle-orm';
import { execRows, type Db, type DbOrTx } from '@/db/client';
import type { ProjectSettings } from '@/lib/settings/schemas';
import { isUniqueViolation, pickQuestionTag, type LeaseRow } from './repo';

/**
 * The next-clip pick in one statement (one round trip in the common case).
 *
 * One CTE reads the contributor's active crowd leases, and then either
 *  - hands back the oldest live one when they already hold `maxActiveLeases` (a reload keeps
 *    its leases instead of hoarding new ones), or
 *  - leases a gold clip when this request drew gold and one is left for them, or
 *  - takes the highest-priority open clip they have not voted on, do not hold and did not ask
 *    to exclude, with a free overlap slot — walking the partial priority index
 *    (`clips_queue_idx`) with `FOR NO KEY UPDATE SKIP LOCKED` — bumps its slot counter and
 *    inserts the lease,
 * and returns the lease with the clip's playable fields. The slot counter lives on the clip row,
 * so Postgres re-checks `assigned < overlap_target` on the newest row version when it locks it:
 * a clip is never handed out past its overlap.
 *
 * `NOT IN` (not `NOT EXISTS`) on the contributor's votes on purpose: Postgres turns it into a
 * hashed filter over their votes, so the scan walks the priority index in order and stops at the
 * first free row, instead of anti-joining and sorting the whole open catalog.
 *
 * Off the hot path: expired leases are returned to the queue by the `reap-leases` job (every
 * minute) and, here, by a bounded reclaim only when the pick finds nothing. The commit of a lease
 * does not wait for the WAL flush (`synchronous_commit` off for this statement's implicit
 * transaction only): a lease lost in a crash only returns a clip to the queue early.
 */

export interface PickOptions {
  userId: string;
  settings: ProjectSettings;
  exclude: readonly string[];
  /** This request gets a gold clip if one is left for the contributor. */
  wantGold: boolean;
  /** This request may ask a targeted yes/no question (drawn at settings.targetedQuestionRate). */
  wantQuestion?: boolean;
  /** Tag keys of the active taxonomy: a question is only asked about one of these. */
  questionTags?: readonly string[];
  /** A qualification round (lib/qualification): only these gold clips may be served, nothing else. */
  onlyGold?: readonly string[];
}

export interface PickedClip {
  id: string;
  title: string;
  artist: string;
  durationS: number | null;
  excerptStartS: number;
  playbackGainDb: number;
}

export interface Picked {
  lease: LeaseRow;
  clip: PickedClip;
  /** A lease the contributor already held (they are at `maxActiveLeases`). */
  reused: boolean;
}

/** How many expired leases one empty pick may reclaim before it looks again. */
export const RECLAIM_BATCH = 500;

interface PickRow {
  src: 'new' | 'held';
  id: string;
  clip_id: string;
  expires_at: Date | string;
  question_tag: string | null;
  is_gold: boolean;
  title: string;
  artist: string;
  duration_s: number | null;
  excerpt_start_s: number;
  playback_gain_db: number;
}

/** The pick statement; exported for the EXPLAIN in bench/queue-explain.ts. */
export function pickStatement(opts: PickOptions, skipLocked: boolean): SQL {
  const u = sql`${opts.userId}::uuid`;
  const notExcluded = (col: SQL) =>
    opts.exclude.length
      ? sql`and ${col} not in (${sql.join(
          opts.exclude.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`
      : sql``;
  const expiry = sql`now() + make_interval(secs => ${opts.settings.leaseSeconds}::int)`;
  const round = opts.onlyGold;
  const inRound = round
    ? round.length
      ? sql`and g.clip_id in (${sql.join(
          round.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`
      : sql`and false`
    : sql``;
  return sql`with mine as (
      select l.id, l.clip_id, l.expires_at, l.question_tag, l.is_gold, l.created_at, l.expires_at > now() as live
      from leases l where l.user_id = ${u} and l.state = 'active' and l.queue = 'crowd'
    ), st as (
      select count(*) filter (where live) >= ${opts.settings.maxActiveLeases}::int as is_full from mine
    ), reuse as (
      select m.id, m.clip_id, m.expires_at, m.question_tag, m.is_gold from mine m
      where (select is_full from st) and m.live ${notExcluded(sql`m.clip_id`)}
      order by m.created_at limit 1
    ), gold as (
      select g.clip_id as id from gold_answers g join clips c on c.id = g.clip_id
      where ${opts.wantGold ? sql`true` : sql`false`} and not (select is_full from st) and c.status <> 'failed'
        and not exists (select 1 from votes v where v.clip_id = g.clip_id and v.user_id = ${u})
        -- Issue 22, finding 5 and issue 15: whoever can know a gold answer is not scored on it.
        -- Experts and admins author gold and read every answer (/review/gold, /api/gold), so they
        -- are never served gold; anyone else is not served a gold clip whose answer they decided
        -- as an expert before (a decided clip promoted to gold, by a since-demoted expert).
        and not exists (select 1 from users r where r.id = ${u} and r.role in ('expert', 'admin'))
        and not exists (select 1 from expert_decisions d where d.clip_id = g.clip_id and d.user_id = ${u})
        and g.clip_id not in (select m.clip_id from mine m) ${notExcluded(sql`g.clip_id`)} ${inRound}
      order by md5(g.clip_id::text || ${opts.userId}::text) limit 1
    ), cand as (
      select c.id from clips c
      where c.label_state = 'open' and c.status <> 'failed' and c.assigned < c.overlap_target
        and not (select is_full from st) and not exists (select 1 from gold) and ${round ? sql`false` : sql`true`}
        and c.id not in (select v.clip_id from votes v where v.user_id = ${u} and v.kind <> 'targeted')
        and c.id not in (select g.clip_id from gold_answers g)
        and c.id not in (select m.clip_id from mine m)
        ${notExcluded(sql`c.id`)}
      order by c.priority desc nulls last, c.id
      limit 1
      for no key update of c ${skipLocked ? sql`skip locked` : sql``}
    ), slot as (
      update clips c set assigned = c.assigned + 1 from cand
      where c.id = cand.id and c.assigned < c.overlap_target
      returning c.id
    ), ins as (
      insert into leases (clip_id, user_id, queue, is_gold, expires_at)
      select s.id, ${u}, 'crowd', false, ${expiry} from slot s
      union all
      select g.id, ${u}, 'crowd', true, ${expiry} from gold g
      returning id, clip_id, expires_at, question_tag, is_gold
    ), lease as (
      select 'new' as src, i.* from ins i
      union all
      select 'held' as src, r.* from reuse r
    )
    select l.src, l.id, l.clip_id, l.expires_at, l.question_tag, l.is_gold,
           c.title, c.artist, c.duration_s, c.excerpt_start_s, c.playback_gain_db,
           set_config('synchronous_commit', 'off', true) as _async_commit
    from lease l join clips c on c.id = l.clip_id`;
}

/**
 * Returns up to `limit` expired leases' slots to their clips (oldest expiry first), skipping
 * leases another caller is reclaiming. The reaper job does the unbounded sweep.
 */
export async function reclaimExpiredBatch(db: DbOrTx, limit = RECLAIM_BATCH): Promise<number> {
  const rows = await execRows<{ n: number }>(
    db,
    sql`with victims as (
          select id from leases where state = 'active' and expires_at < now()
          order by expires_at limit ${limit}::int
          for update skip locked
        ), expired as (
          update leases l set state = 'expired' from victims v where l.id = v.id
          returning l.clip_id, l.queue, l.is_gold
        ), per_clip as (
          select clip_id, count(*)::int as n from expired
          where queue = 'crowd' and not is_gold
          group by clip_id
        ), ordered as (
          -- Clip rows locked in id order, so two concurrent reclaims cannot deadlock on them.
          select c.id from clips c where c.id in (select clip_id from per_clip) order by c.id for no key update
        ), fixed as (
          update clips c set assigned = greatest(0, c.assigned - p.n)
          from per_clip p, ordered o where c.id = p.clip_id and o.id = p.clip_id
          returning p.n
        )
        select (select count(*)::int from expired) as n, (select count(*) from fixed) as clips_fixed`,
  );
  return Number(rows[0]?.n ?? 0);
}

function isDeadlock(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '40P01' || e?.cause?.code === '40P01';
}

async function pickOnce(db: Db, opts: PickOptions, skipLocked: boolean): Promise<PickRow | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // Prepared: its text only varies with the request's shape (gold drawn, excluded ids, a round).
      const [row] = await execRows<PickRow>(db, pickStatement(opts, skipLocked), {
        prepare: opts.exclude.length === 0 && !opts.onlyGold,
      });
      return row ?? null;
    } catch (err) {
      // Same contributor, two tabs, same clip at the same instant: the unique active-lease index
      // refuses the second insert and the whole statement (slot included) rolls back. Look again:
      // the other tab's lease is now among the contributor's own and is left out.
      if (isUniqueViolation(err)) continue;
      throw err;
    }
  }
  return null;
}

/**
 * The next clip for a contributor under a new (or their held) lease, or null when the queue has
 * nothing for them. Usually one statement; a second only when every eligible row is locked at
 * that instant (it then waits for the holders), and a bounded reclaim of expired leases plus
 * another look only when the queue looks empty.
 */
export async function pickNextClip(db: Db, opts: PickOptions): Promise<Picked | null> {
  let row = (await pickOnce(db, opts, true)) ?? (await pickOnce(db, opts, false));
  // A reclaim that loses a deadlock against the reaper rolls back whole: nothing reclaimed, no harm.
  if (!row && (await reclaimExpiredBatch(db).catch((err) => (isDeadlock(err) ? 0 : Promise.reject(err)))) > 0) {
    row = (await pickOnce(db, opts, true)) ?? (await pickOnce(db, opts, false));
  }
  if (!row) return null;
  const lease: LeaseRow = {
    id: row.id,
    clipId: row.clip_id,
    expiresAt: row.expires_at instanceof Date ? row.expires_at : new Date(row.expires_at),
    questionTag: row.question_tag,
    isGold: Boolean(row.is_gold),
  };
  if (row.src === 'new' && !lease.isGold && opts.wantQuestion) {
    const tag = await pickQuestionTag(db, lease.clipId, opts);
    if (tag) {
      await db.execute(sql`update leases set question_tag = ${tag} where id = ${lease.id}::uuid`);
      lease.questionTag = tag;
    }
  }
  return {
    lease,
    reused: row.src === 'held',
    clip: {
      id: row.clip_id,
      title: row.title,
      artist: row.artist,
      durationS: row.duration_s === null ? null : Number(row.duration_s),
      excerptStartS: Number(row.excerpt_start_s),
      playbackGainDb: Number(row.playback_gain_db),
    },
  };
}
