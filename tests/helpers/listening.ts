/**
 * Set-up shared by the recommender rollout tests (canary, A/B experiments, exploration): a
 * catalog whose embeddings cluster by a planted mood, embedding versions written straight into
 * the tables, and a simulated-listener driver that goes through the recommender's service
 * functions as the routes do.
 */
import type { DbHandle } from '@/db/client';
import type { ListenerDriver } from '@/lib/experiments/simulate';
import type { Recommender } from '@/lib/recommend/runtime';
import { ListenEventSchema, NextQuerySchema } from '@/lib/recommend/schemas';
import { nextTracks, recordListenerEvent, startListenerSession } from '@/lib/recommend/service';
import { normalize } from '@/lib/recommend/vector-math';
import { gaussian, type Rng } from '@/lib/util/random';

export interface EmbeddedClip {
  id: string;
  vector: number[];
}

/**
 * `moods × perMood` ready clips ('mood m clip i', each its own artist); clip i has mood i mod
 * `moods`, and its vector is its mood's random unit centre plus N(0, 0.15²) noise per dimension.
 * Draws from `rng` in a fixed order (centres, then each clip's noise), so a seed gives one catalog.
 */
export async function insertMoodCatalog(
  handle: DbHandle,
  rng: Rng,
  size: { moods: number; perMood: number; dim: number },
): Promise<{ rows: EmbeddedClip[]; moodOf: Map<string, number> }> {
  const unit = (v: number[]) => Array.from(normalize(v));
  const centres = Array.from({ length: size.moods }, () => unit(Array.from({ length: size.dim }, () => gaussian(rng))));
  const titles = Array.from({ length: size.moods * size.perMood }, (_, i) => `mood ${i % size.moods} clip ${i}`);
  const inserted = await handle.query<{ id: string; title: string }>(
    `insert into clips (sha256, title, artist, status, duration_s, label_state)
     select md5(u.title) || md5('x' || u.title), u.title, 'artist ' || u.title, 'ready', 30, 'open' from unnest($1::text[]) u(title)
     returning id::text as id, title`,
    [titles],
  );
  const moodOf = new Map<string, number>();
  const rows = inserted.map((r) => {
    const mood = Number(r.title.split(' ')[1]);
    moodOf.set(r.id, mood);
    return { id: r.id, vector: centres[mood].map((x) => x + 0.15 * gaussian(rng)) };
  });
  return { rows, moodOf };
}

/**
 * An embedding version holding `rows`, 'active' (activated now) or 'ready', written directly:
 * the tests set up several versions at once, which the repository's one-switch activation would
 * not allow.
 */
export async function insertEmbeddingVersion(
  handle: DbHandle,
  rows: readonly EmbeddedClip[],
  status: 'active' | 'ready',
  options: { dim: number; source?: string },
): Promise<number> {
  const [{ id }] = await handle.query<{ id: number }>(
    `insert into embedding_versions (source, dim, status, count, activated_at) values ($1, $2, $3, $4, case when $3 = 'active' then now() end) returning id`,
    [options.source ?? 'test', options.dim, status, rows.length],
  );
  await handle.query(
    `insert into clip_embeddings (version_id, clip_id, embedding)
     select $1, u.id, (select array_agg(x::real) from jsonb_array_elements_text(u.v) x)
       from unnest($2::uuid[], $3::jsonb[]) u(id, v)`,
    [Number(id), rows.map((r) => r.id), rows.map((r) => JSON.stringify(r.vector))],
  );
  return Number(id);
}

/**
 * Simulated listeners on personalised sessions through the service functions; `servedBy` collects
 * per session the embedding versions its recommendations came from. `rec` is read at each call
 * (the tests create the recommender in beforeAll).
 */
export function serviceListenerDriver(rec: () => Recommender, servedBy: Map<string, Set<number>>): ListenerDriver {
  return {
    start: async () => (await startListenerSession(rec(), { personalization: true })).sessionId,
    next: async (sessionId, k) => {
      const res = await nextTracks(rec(), sessionId, NextQuerySchema.parse({ k }));
      if (res.embeddingVersion !== null) servedBy.set(sessionId, (servedBy.get(sessionId) ?? new Set()).add(res.embeddingVersion));
      return res.results.map((r) => r.clipId);
    },
    react: async (sessionId, clipId, kind) => {
      await recordListenerEvent(rec(), sessionId, ListenEventSchema.parse({ type: kind, clipId }));
    },
  };
}
