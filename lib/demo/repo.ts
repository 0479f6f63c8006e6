import { sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';

/**
 * Database reads of the demo seed and its simulation report. The simulated crowd itself votes
 * through the queue service like anyone else; only the planted truth and the outcome are read here.
 */

/** The planted moods of a demo clip (its recipe), or null for a clip without one (an upload). */
export async function plantedTags(db: DbOrTx, clipId: string): Promise<{ tags: string[] | null; playableMs: number }> {
  const [row] = await execRows<{ recipe: { tags?: unknown } | null; duration_s: number | null; excerpt_start_s: number | null }>(
    db,
    sql`select recipe, duration_s, excerpt_start_s from clips where id = ${clipId}`,
  );
  const tags = row?.recipe && Array.isArray(row.recipe.tags) ? (row.recipe.tags as string[]) : null;
  const duration = Number(row?.duration_s ?? 30) - Number(row?.excerpt_start_s ?? 0);
  return { tags, playableMs: Math.max(1, Math.min(30, duration > 0 ? duration : 30)) * 1000 };
}

export async function userStatus(db: DbOrTx, userId: string): Promise<string | undefined> {
  const [row] = await execRows<{ status: string }>(db, sql`select status from users where id = ${userId}`);
  return row?.status;
}

export interface ReportClipRow {
  id: string;
  label_state: string;
  truth: string[] | null;
  /** Tags whose stored label is positive, with the method and the yes votes behind each. */
  labels: { tag: string; label: boolean; yes: number; method: string; confidence: number }[] | null;
  votes: string[][] | null;
  /** A gold clip: its labels are fixed by the gold answer (an admin's decision), not by votes. */
  gold: boolean;
}

/** Every clip with answers: state, planted truth, stored labels and the full votes' tag sets. */
export async function reportClipRows(db: DbOrTx, taxonomyVersion: number): Promise<ReportClipRow[]> {
  return execRows<ReportClipRow>(
    db,
    sql`select c.id, c.label_state,
               case when jsonb_typeof(c.recipe -> 'tags') = 'array'
                    then array(select jsonb_array_elements_text(c.recipe -> 'tags')) end as truth,
               (select json_agg(json_build_object('tag', a.tag, 'label', a.label, 'yes', a.yes_votes, 'method', a.method, 'confidence', a.confidence))
                  from aggregates a where a.clip_id = c.id) as labels,
               (select json_agg(v.tags) from votes v
                  where v.clip_id = c.id and v.kind = 'vote' and v.taxonomy_version = ${taxonomyVersion}) as votes,
               exists (select 1 from gold_answers g where g.clip_id = c.id) as gold
        from clips c
        where exists (select 1 from votes v where v.clip_id = c.id and v.kind in ('vote', 'targeted'))`,
  );
}

export interface ReportWorkerRow {
  user_id: string;
  email: string;
  status: string;
  reliability: number | null;
  vote_count: number | null;
  gold_correct: number | null;
  gold_total: number | null;
  flags: string[] | null;
  answers: number;
}

export async function reportWorkerRows(db: DbOrTx, userIds: string[]): Promise<ReportWorkerRow[]> {
  if (userIds.length === 0) return [];
  return execRows<ReportWorkerRow>(
    db,
    sql`select u.id as user_id, u.email, u.status, wr.reliability, wr.vote_count, wr.gold_correct, wr.gold_total, wr.flags,
               (select count(*)::int from votes v where v.user_id = u.id and v.kind in ('vote', 'targeted')) as answers
        from users u left join worker_reliability wr on wr.user_id = u.id
        where u.id in (${sql.join(userIds.map((id) => sql`${id}::uuid`), sql`, `)})`,
  );
}

/**
 * What the expert queue holds, by why it is there: disputed clips, and open clips the active
 * model is unsure of (the review queue's own rule), counted once each.
 */
export async function expertQueueComposition(db: DbOrTx, uncertaintyCut: number): Promise<{ disputed: number; modelUncertain: number; model: boolean }> {
  const [row] = await execRows<{ disputed: number; uncertain: number; model: boolean }>(
    db,
    sql`select (select count(*)::int from clips where label_state = 'disputed') as disputed,
               (select count(*)::int from predictions p join models m on m.id = p.model_id and m.status = 'active'
                  join clips c on c.id = p.clip_id
                  where c.label_state = 'open' and p.uncertainty >= ${uncertaintyCut}) as uncertain,
               exists (select 1 from models where status = 'active') as model`,
  );
  return { disputed: Number(row.disputed), modelUncertain: Number(row.uncertain), model: Boolean(row.model) };
}

/** Catalog size, open clips nobody has answered yet (what the demo keeps for real people), disputed clips. */
export async function demoCatalogState(db: DbOrTx): Promise<{ clips: number; untouched: number; disputed: number }> {
  const [row] = await execRows<{ clips: number; untouched: number; disputed: number }>(
    db,
    sql`select count(*)::int as clips,
               count(*) filter (where c.label_state = 'open' and not exists (select 1 from votes v where v.clip_id = c.id))::int as untouched,
               count(*) filter (where c.label_state = 'disputed')::int as disputed
        from clips c`,
  );
  return { clips: Number(row.clips), untouched: Number(row.untouched), disputed: Number(row.disputed) };
}

/** Answers the simulated crowd (the `sim-…@demo.chorus.local` accounts) has given. */
export async function simulatedAnswerCount(db: DbOrTx): Promise<number> {
  const [row] = await execRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from votes v join users u on u.id = v.user_id
        where u.email like 'sim-%@demo.chorus.local' and v.kind = 'vote'`,
  );
  return Number(row.n);
}

export async function listenerSessionCount(db: DbOrTx): Promise<number> {
  const [row] = await execRows<{ n: number }>(db, sql`select count(*)::int as n from listener_sessions`);
  return Number(row.n);
}
