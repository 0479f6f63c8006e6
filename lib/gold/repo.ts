import { eq, sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { goldAnswers } from '@/db/schema';
import type { GoldAccuracyRow, GoldAnswer, GoldClipView, GoldCoverage, PromotableClip } from './schemas';

/**
 * The gold table's writer and the gold views' reader (issue 15, item 1). The crowd's scoring
 * reads (lib/crowd/repo.ts) and the queue's exclusions (`not exists … gold_answers`) stay where
 * they are used; everything that creates, changes, removes or lists gold lives here.
 */

/**
 * Whether one answer to a gold clip matches it: a vote says yes to every required mood and
 * to nothing beyond the required and tolerated ones; a targeted yes/no answer is right when it
 * says yes to a required mood and no to any other, and does not count on a tolerated one (null).
 */
const MATCHES = sql.raw(`case
  when v.kind = 'vote' then (g.tags <@ v.tags and v.tags <@ (g.tags || g.tolerated))
  when v.kind = 'targeted' and v.question_tag = any(g.tolerated) then null
  when v.kind = 'targeted' then v.answer = (v.question_tag = any(g.tags))
end`);

export async function getGold(db: DbOrTx, clipId: string): Promise<GoldAnswer | undefined> {
  const [row] = await db
    .select({
      clipId: goldAnswers.clipId,
      taxonomyVersion: goldAnswers.taxonomyVersion,
      tags: goldAnswers.tags,
      tolerated: goldAnswers.tolerated,
    })
    .from(goldAnswers)
    .where(eq(goldAnswers.clipId, clipId));
  return row;
}

/** Inserts or replaces a clip's gold answer. */
export async function upsertGold(db: DbOrTx, gold: GoldAnswer, createdBy: string | null): Promise<void> {
  await db
    .insert(goldAnswers)
    .values({ ...gold, createdBy })
    .onConflictDoUpdate({
      target: goldAnswers.clipId,
      set: {
        taxonomyVersion: gold.taxonomyVersion,
        tags: gold.tags,
        tolerated: gold.tolerated,
        createdBy,
        createdAt: sql`now()`,
      },
    });
}

/** Removes a clip's gold answer; returns what it was, or undefined when the clip was not gold. */
export async function deleteGold(db: DbOrTx, clipId: string): Promise<GoldAnswer | undefined> {
  const [row] = await db.delete(goldAnswers).where(eq(goldAnswers.clipId, clipId)).returning({
    clipId: goldAnswers.clipId,
    taxonomyVersion: goldAnswers.taxonomyVersion,
    tags: goldAnswers.tags,
    tolerated: goldAnswers.tolerated,
  });
  return row;
}

/** Clip references (an id or a sha256) → clip ids, for the ones that exist. */
export async function resolveClipRefs(db: DbOrTx, refs: readonly string[]): Promise<Map<string, string>> {
  if (refs.length === 0) return new Map();
  const rows = await execRows<{ id: string; sha256: string }>(
    db,
    sql`select c.id, c.sha256 from clips c
        where c.sha256 in (select jsonb_array_elements_text(${JSON.stringify(refs)}::jsonb))
           or c.id::text in (select jsonb_array_elements_text(${JSON.stringify(refs)}::jsonb))`,
  );
  const found = new Map<string, string>();
  for (const r of rows) {
    found.set(r.id, r.id);
    found.set(r.sha256, r.id);
  }
  return found;
}

/** Every gold answer with its clip's sha256 (the portable reference), oldest first. */
export async function allGoldForExport(db: DbOrTx): Promise<{ sha256: string; tags: string[]; tolerated: string[] }[]> {
  return execRows(
    db,
    sql`select c.sha256, g.tags, g.tolerated from gold_answers g join clips c on c.id = g.clip_id order by g.created_at, c.sha256`,
  );
}

/** A page of gold clips, newest first, each with how often it was served and answered right. O(gold clips + their answers). */
export async function listGoldClips(
  db: DbOrTx,
  page: { limit: number; offset: number },
): Promise<{ gold: GoldClipView[]; total: number }> {
  const rows = await execRows<{
    clip_id: string;
    taxonomy_version: number;
    tags: string[];
    tolerated: string[];
    title: string;
    artist: string;
    created_by: string | null;
    created_at: Date | string;
    served: number;
    answered: number;
    correct: number;
  }>(
    db,
    sql`select g.clip_id, g.taxonomy_version, g.tags, g.tolerated, c.title, c.artist, u.name as created_by, g.created_at,
               (select count(*) from leases l where l.clip_id = g.clip_id and l.is_gold)::int as served,
               s.answered::int, s.correct::int
        from gold_answers g
        join clips c on c.id = g.clip_id
        left join users u on u.id = g.created_by
        cross join lateral (
          select count(m.ok) as answered, count(*) filter (where m.ok) as correct
          from (select ${MATCHES} as ok from votes v where v.clip_id = g.clip_id and v.kind in ('vote', 'targeted')) m
        ) s
        order by g.created_at desc, g.clip_id
        limit ${page.limit} offset ${page.offset}`,
  );
  return {
    total: await countGold(db),
    gold: rows.map((r) => ({
      clipId: r.clip_id,
      taxonomyVersion: r.taxonomy_version,
      tags: r.tags,
      tolerated: r.tolerated,
      title: r.title,
      artist: r.artist,
      createdBy: r.created_by,
      createdAt: new Date(r.created_at).toISOString(),
      served: r.served,
      answers: r.answered,
      accuracy: r.answered > 0 ? r.correct / r.answered : null,
    })),
  };
}

async function countGold(db: DbOrTx): Promise<number> {
  const [{ n }] = await execRows<{ n: number }>(db, sql`select count(*)::int as n from gold_answers`);
  return n;
}

/** How much gold there is and how much it is used, against the active taxonomy version. */
export async function goldCoverage(db: DbOrTx, activeVersion: number): Promise<GoldCoverage> {
  const [row] = await execRows<Record<keyof GoldCoverage, number>>(
    db,
    sql`select
          (select count(*) from gold_answers)::int as "goldClips",
          (select count(*) from gold_answers where taxonomy_version < ${activeVersion})::int as "olderVersion",
          (select count(*) from gold_answers g where not exists (select 1 from leases l where l.clip_id = g.clip_id and l.is_gold))::int as "neverServed",
          (select count(*) from leases l where l.is_gold and exists (select 1 from gold_answers g where g.clip_id = l.clip_id))::int as served,
          (select count(*) from votes v join gold_answers g on g.clip_id = v.clip_id where v.kind in ('vote', 'targeted'))::int as answers,
          (select count(*) from clips c where c.label_state = 'expert_resolved'
             and not exists (select 1 from gold_answers g where g.clip_id = c.id))::int as promotable`,
  );
  return row;
}

/**
 * Per contributor (platform users; imported external workers are left out): gold clips
 * answered and answered right as whole answers, and the per-mood checks right — each mood the
 * gold fixes (tolerated moods are free) counts once per answer, a yes/no question on its one mood,
 * as goldTagChecks (lib/crowd/live.ts) scores them for the reliability fit. Whole answers are
 * harsh on multi-label clips (95 % per mood is ≈ 66 % of whole answers on eight moods), so the
 * per-mood share is the one to judge a contributor by. Least accurate per mood first.
 * O(answers on gold clips × T).
 */
export async function goldAccuracyByContributor(
  db: DbOrTx,
  tagKeys: readonly string[],
  limit: number,
): Promise<GoldAccuracyRow[]> {
  // One jsonb parameter (drizzle would spread a JS array into a row of parameters).
  const keys = sql`jsonb_array_elements_text(${JSON.stringify(tagKeys)}::jsonb)`;
  const rows = await execRows<{
    user_id: string;
    name: string;
    answered: number;
    correct: number;
    tag_checks: number;
    tag_right: number;
  }>(
    db,
    sql`select u.id as user_id, u.name, count(m.ok)::int as answered, (count(*) filter (where m.ok))::int as correct,
               sum(m.checks)::int as tag_checks, sum(m.right_checks)::int as tag_right
        from (
          select v.user_id, ${MATCHES} as ok,
                 case when v.kind = 'targeted' then (not v.question_tag = any(g.tolerated) or v.question_tag = any(g.tags))::int
                      else (select count(*) from ${keys} k(t) where t = any(g.tags) or not t = any(g.tolerated)) end as checks,
                 case when v.kind = 'targeted' then ((not v.question_tag = any(g.tolerated) or v.question_tag = any(g.tags))
                                                     and v.answer = (v.question_tag = any(g.tags)))::int
                      else (select count(*) from ${keys} k(t)
                            where (t = any(g.tags) or not t = any(g.tolerated)) and (t = any(v.tags)) = (t = any(g.tags))) end as right_checks
          from votes v join gold_answers g on g.clip_id = v.clip_id
          where v.kind in ('vote', 'targeted') and v.external_worker is null
        ) m join users u on u.id = m.user_id
        group by u.id, u.name
        having sum(m.checks) > 0
        order by sum(m.right_checks)::float / sum(m.checks), sum(m.checks) desc, u.id
        limit ${limit}`,
  );
  return rows.map((r) => ({
    userId: r.user_id,
    name: r.name,
    answered: r.answered,
    correct: r.correct,
    accuracy: r.answered > 0 ? r.correct / r.answered : 0,
    tagChecks: r.tag_checks,
    tagRight: r.tag_right,
    tagAccuracy: r.tag_right / r.tag_checks,
  }));
}

/**
 * Expert-resolved clips that are not gold, with their latest first-opinion decision when it
 * was made under `version` and names at least one mood (the gold answer it would become).
 * `clipIds` narrows the list to those clips.
 */
export async function listPromotable(
  db: DbOrTx,
  version: number,
  options: { limit: number; clipIds?: readonly string[] },
): Promise<PromotableClip[]> {
  const only = options.clipIds
    ? sql`and c.id::text in (select jsonb_array_elements_text(${JSON.stringify(options.clipIds)}::jsonb))`
    : sql``;
  const rows = await execRows<{ clip_id: string; title: string; artist: string; tags: string[]; decided_at: Date | string }>(
    db,
    sql`select c.id as clip_id, c.title, c.artist, d.tags, d.created_at as decided_at
        from clips c
        join lateral (
          select d.tags, d.taxonomy_version, d.created_at from expert_decisions d
          where d.clip_id = c.id and not d.is_second_opinion
          order by d.created_at desc limit 1
        ) d on true
        where c.label_state = 'expert_resolved' ${only}
          and d.taxonomy_version = ${version} and cardinality(d.tags) > 0
          and not exists (select 1 from gold_answers g where g.clip_id = c.id)
        order by d.created_at desc, c.id
        limit ${options.limit}`,
  );
  return rows.map((r) => ({
    clipId: r.clip_id,
    title: r.title,
    artist: r.artist,
    tags: r.tags,
    decidedAt: new Date(r.decided_at).toISOString(),
  }));
}
