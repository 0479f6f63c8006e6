import { and, asc, desc, eq, ilike, inArray, or, sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { aggregates, clips } from '@/db/schema';
import { AppError } from '@/lib/errors';
import type { ClipLabelQuery } from './schemas';

export type ClipRow = typeof clips.$inferSelect;
export type NewClip = typeof clips.$inferInsert;

export async function getClip(db: DbOrTx, id: string): Promise<ClipRow> {
  const [row] = await db.select().from(clips).where(eq(clips.id, id)).limit(1);
  if (!row) throw new AppError('NOT_FOUND', 'No such clip');
  return row;
}

export async function getClipForQueue(db: DbOrTx, id: string) {
  const [row] = await db
    .select({
      id: clips.id,
      title: clips.title,
      artist: clips.artist,
      durationS: clips.durationS,
      excerptStartS: clips.excerptStartS,
      playbackGainDb: clips.playbackGainDb,
    })
    .from(clips)
    .where(eq(clips.id, id))
    .limit(1);
  if (!row) throw new AppError('NOT_FOUND', 'No such clip');
  return row;
}

export async function findClipBySha(db: DbOrTx, sha256: string): Promise<ClipRow | undefined> {
  const [row] = await db.select().from(clips).where(eq(clips.sha256, sha256)).limit(1);
  return row;
}

export async function insertClip(db: DbOrTx, clip: NewClip): Promise<ClipRow> {
  const [row] = await db.insert(clips).values(clip).returning();
  return row;
}

export async function countClips(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(clips);
  return Number(row?.n ?? 0);
}

export interface ClipLabelSummary {
  id: string;
  title: string;
  artist: string;
  labelState: string;
  voteCount: number;
  /** Feature extraction: pending, ready, or failed with `error` saying why. */
  status: string;
  error: string | null;
  /** Tags whose aggregated label is yes (the majority label until the aggregator runs EM). */
  labels: string[];
  posteriors: Record<string, number>;
}

/** The engineer's overview: clips with vote counts and their current labels, most-voted first. */
export async function listClipLabels(
  db: DbOrTx,
  opts: {
    limit: number;
    offset: number;
    state?: string;
    /** Text in the title or the artist (case-insensitive). */
    q?: string;
    /** Only clips whose aggregated label says yes to this mood. */
    tag?: string;
    /** Only these clips (e.g. the ones just uploaded, to follow their extraction). */
    ids?: string[];
    sort?: ClipLabelQuery['sort'];
    dir?: 'asc' | 'desc';
  },
): Promise<{ total: number; items: ClipLabelSummary[] }> {
  const like = opts.q ? `%${opts.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const where = and(
    opts.state ? eq(clips.labelState, opts.state as ClipRow['labelState']) : undefined,
    opts.ids ? inArray(clips.id, opts.ids.length ? opts.ids : ['00000000-0000-0000-0000-000000000000']) : undefined,
    like ? or(ilike(clips.title, like), ilike(clips.artist, like)) : undefined,
    opts.tag
      ? sql`exists (select 1 from ${aggregates} a where a.clip_id = ${clips.id} and a.tag = ${opts.tag} and a.label)`
      : undefined,
  );
  const sort = opts.sort ?? 'votes';
  const dir = opts.dir ?? (sort === 'votes' ? 'desc' : 'asc');
  const by = { votes: clips.voteCount, title: clips.title, artist: clips.artist, state: clips.labelState }[sort];
  const [{ n }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(clips)
    .where(where);
  const page = await db
    .select({
      id: clips.id,
      title: clips.title,
      artist: clips.artist,
      labelState: clips.labelState,
      voteCount: clips.voteCount,
      status: clips.status,
      error: clips.error,
    })
    .from(clips)
    .where(where)
    // Ties broken by title then id, so pages never overlap or skip a clip.
    .orderBy(dir === 'desc' ? desc(by) : asc(by), asc(clips.title), asc(clips.id))
    .limit(opts.limit)
    .offset(opts.offset);
  const ids = page.map((p) => p.id);
  const aggs = ids.length
    ? await db
        .select()
        .from(aggregates)
        .where(
          sql`${aggregates.clipId} in (${sql.join(
            ids.map((id) => sql`${id}::uuid`),
            sql`, `,
          )})`,
        )
    : [];
  return {
    total: Number(n),
    items: page.map((p) => {
      const mine = aggs.filter((a) => a.clipId === p.id);
      return {
        ...p,
        labels: mine
          .filter((a) => a.label)
          .map((a) => a.tag)
          .sort(),
        posteriors: Object.fromEntries(mine.map((a) => [a.tag, a.posterior])),
      };
    }),
  };
}

/** Streams labeled clips (crowd votes or an expert decision) in id order, a page at a time, so an export never holds the table in memory. */
export async function* iterateLabeledClips(db: DbOrTx, pageSize = 1000) {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await execRows<{
      id: string;
      sha256: string;
      title: string;
      artist: string;
      licence: string;
      provenance: unknown;
      source: string;
      duration_s: number | null;
      label_state: string;
      vote_count: number;
      labels: string[] | null;
      posteriors: Record<string, number> | null;
      vote_tags: string[][];
    }>(
      db,
      sql`select c.id, c.sha256, c.title, c.artist, c.licence, c.provenance, c.source, c.duration_s,
                 c.label_state, c.vote_count,
                 (select coalesce(array_agg(a.tag order by a.tag) filter (where a.label), '{}') from aggregates a where a.clip_id = c.id) as labels,
                 (select jsonb_object_agg(a.tag, a.posterior) from aggregates a where a.clip_id = c.id) as posteriors,
                 (select coalesce(jsonb_agg(to_jsonb(v.tags) order by v.created_at), '[]'::jsonb) from votes v
                  where v.clip_id = c.id and v.kind = 'vote') as vote_tags
          from clips c
          where c.id > ${after}::uuid and (c.vote_count > 0 or exists (select 1 from aggregates a where a.clip_id = c.id))
          order by c.id limit ${pageSize}`,
    );
    if (rows.length === 0) return;
    for (const row of rows) yield row;
    after = rows[rows.length - 1].id;
  }
}

export { and };

/** A new overlap setting applies to every clip still collecting votes. */
export async function applyOverlapToOpenClips(db: DbOrTx, overlap: number): Promise<void> {
  await db.update(clips).set({ overlapTarget: overlap }).where(eq(clips.labelState, 'open'));
}

/** Sends a clip to the expert queue by hand (an engineer's or admin's call); expert-resolved clips stay final. */
export async function escalateClip(db: DbOrTx, id: string): Promise<{ before: string; after: string }> {
  const clip = await getClip(db, id);
  if (clip.labelState === 'expert_resolved')
    throw new AppError('CONFLICT', 'An expert already settled this clip; its decision is final');
  await db.update(clips).set({ labelState: 'disputed', stateChangedAt: new Date() }).where(eq(clips.id, id));
  return { before: clip.labelState, after: 'disputed' };
}

/** Clips whose raw audio may go under the retention policy: features extracted and a final label. */
export async function clipsPastRetention(db: DbOrTx, limit: number): Promise<{ id: string; audioKey: string }[]> {
  const rows = await execRows<{ id: string; audio_key: string }>(
    db,
    sql`select c.id, c.audio_key from clips c
        where c.audio_key is not null and c.status = 'ready' and c.label_state in ('consensus', 'expert_resolved')
          and not exists (select 1 from gold_answers g where g.clip_id = c.id)
        order by c.state_changed_at nulls first limit ${limit}`,
  );
  return rows.map((r) => ({ id: r.id, audioKey: r.audio_key }));
}

export async function markAudioDeleted(db: DbOrTx, id: string): Promise<void> {
  await db.update(clips).set({ audioKey: null, audioDeletedAt: new Date() }).where(eq(clips.id, id));
}
