import { sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { processWide } from '@/lib/util/process-wide';
import type { TagGold } from './binary-relevance';
import { supportedLabels } from './clip-state';
import { tagModelWeights, withModelEvidence, type LiveModelEvidence } from './crowdlab';

/**
 * The live loop's side of model-aware aggregation (./crowdlab.ts), behind the project setting
 * `modelAwareAggregation`: the drain and the full EM add the active model's evidence to the
 * posteriors of clips with fewer than minVotes votes. The model's weight per tag is its
 * calibration slope against the stored consensus of clips with at least minVotes votes (read
 * from `aggregates`, so the drain and the full EM of any process weigh it the same way), cached
 * for a minute per process: it moves only as clips settle. State, overlap and the clips that
 * settle rest on the crowd alone — a clip reaches consensus on votes, never on the model.
 */

export interface ActiveModelEvidence extends LiveModelEvidence {
  readonly modelId: number;
}

const TTL_MS = 60_000;
const holder = processWide('active-model-evidence', () => ({
  cache: undefined as { at: number; key: string; value: Promise<ActiveModelEvidence | null> } | undefined,
}));

/** Forget the cached weights (tests, and after a model is promoted in this process). */
export function forgetModelEvidence(): void {
  holder.cache = undefined;
}

/** The active model's per-tag weight and mean prediction, aligned with `tags`; null without an active model. O(N·T) once a minute. */
export function activeModelEvidence(db: DbOrTx, tags: readonly string[], minVotes: number): Promise<ActiveModelEvidence | null> {
  const key = `${tags.join('|')}#${minVotes}`;
  const now = Date.now();
  if (holder.cache && holder.cache.key === key && now - holder.cache.at < TTL_MS) return holder.cache.value;
  const value = loadEvidence(db, tags, minVotes);
  holder.cache = { at: now, key, value };
  value.catch(() => (holder.cache = undefined));
  return value;
}

async function loadEvidence(db: DbOrTx, tags: readonly string[], minVotes: number): Promise<ActiveModelEvidence | null> {
  const [model] = await execRows<{ id: number; tag_keys: string[] }>(
    db,
    sql`select id, tag_keys from models where status = 'active' limit 1`,
  );
  if (!model) return null;
  const T = tags.length;
  const column = tags.map((tag) => model.tag_keys.indexOf(tag));
  const rows = await execRows<{ clip_id: string; probs: number[]; settled: boolean }>(
    db,
    sql`select p.clip_id, p.probs, (c.vote_count >= ${minVotes}) as settled
          from predictions p join clips c on c.id = p.clip_id
         where p.model_id = ${model.id}`,
  );
  const settled = rows.filter((r) => r.settled);
  const consensus = await execRows<{ clip_id: string; tag: string; posterior: number }>(
    db,
    sql`select a.clip_id, a.tag, a.posterior from aggregates a join clips c on c.id = a.clip_id
         where c.vote_count >= ${minVotes}`,
  );
  const posteriorOf = new Map(consensus.map((r) => [`${r.clip_id}|${r.tag}`, Number(r.posterior)]));
  const aligned = (probs: number[]) =>
    column.map((c) => (c >= 0 && probs[c] !== undefined && probs[c] !== null ? Number(probs[c]) : NaN));
  const predictions = new Float64Array(settled.length * T);
  const consensusMatrix = new Float64Array(settled.length * T).fill(NaN);
  settled.forEach((r, i) => {
    predictions.set(aligned(r.probs), i * T);
    tags.forEach((tag, t) => (consensusMatrix[i * T + t] = posteriorOf.get(`${r.clip_id}|${tag}`) ?? NaN));
  });
  // A settled clip without a stored posterior for a tag (none yet) is left out for that tag.
  for (let x = 0; x < predictions.length; x++) if (Number.isNaN(consensusMatrix[x])) predictions[x] = NaN;
  const weights = tagModelWeights(
    consensusMatrix.map((x) => (Number.isNaN(x) ? 0 : x)),
    predictions,
    new Array(settled.length).fill(true),
    T,
  ).map((m) => m.weight);
  const sums = new Float64Array(T);
  const counts = new Float64Array(T);
  for (const r of rows) {
    aligned(r.probs).forEach((q, t) => {
      if (Number.isNaN(q)) return;
      sums[t] += Math.min(1 - 1e-6, Math.max(1e-6, q));
      counts[t]++;
    });
  }
  return { modelId: model.id, weights, means: Array.from(sums, (s, t) => (counts[t] > 0 ? s / counts[t] : 0.5)) };
}

/** The active model's predictions of these clips (every clip it scored without `clipIds`), aligned with `tags` (NaN for a tag it does not have). */
export async function predictionsFor(
  db: DbOrTx,
  modelId: number,
  tags: readonly string[],
  clipIds?: readonly string[],
): Promise<Map<string, number[]>> {
  if (clipIds?.length === 0) return new Map();
  const [model] = await execRows<{ tag_keys: string[] }>(db, sql`select tag_keys from models where id = ${modelId}`);
  if (!model) return new Map();
  const rows = await execRows<{ clip_id: string; probs: number[] }>(
    db,
    clipIds
      ? sql`select clip_id, probs from predictions where model_id = ${modelId} and clip_id = any(${`{${clipIds.join(',')}}`}::uuid[])`
      : sql`select clip_id, probs from predictions where model_id = ${modelId}`,
  );
  const column = tags.map((tag) => model.tag_keys.indexOf(tag));
  return new Map(rows.map((r) => [r.clip_id, column.map((c) => (c >= 0 && r.probs[c] != null ? Number(r.probs[c]) : NaN))]));
}

/**
 * A clip's per-tag results with the model's evidence folded in, for a clip below minVotes:
 * posteriors through {@link withModelEvidence}, labels again through `supportedLabels` (a tag
 * still needs a yes answer, gold or an expert to be labeled). Other clips come back unchanged. O(T).
 */
export function withModelOnFewVotes<R extends { tag: string; posterior: number; label: boolean; yes: number }>(
  rows: readonly R[],
  votes: number,
  minVotes: number,
  prediction: readonly number[] | undefined,
  evidence: LiveModelEvidence | null,
  gold?: TagGold,
): R[] {
  if (!evidence || !prediction || votes >= minVotes) return [...rows];
  const tags = rows.map((r) => r.tag);
  const posteriors = withModelEvidence(
    rows.map((r) => r.posterior),
    prediction,
    evidence,
    tags,
    gold,
  );
  const labels = supportedLabels(
    posteriors,
    rows.map((r) => r.yes),
    tags.map((tag) => Boolean(gold && Object.hasOwn(gold, tag))),
  );
  return rows.map((r, t) => ({ ...r, posterior: posteriors[t], label: labels[t] }));
}
