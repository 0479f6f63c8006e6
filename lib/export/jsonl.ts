/**
 * The current labels as JSON Lines (GET /api/export/jsonl): one line per labelled clip with its
 * aggregated labels and soft labels, the raw votes (tag lists, anonymous) and their plain
 * majority beside them. Streamed page by page; snapshots (lib/export/service.ts) are the
 * versioned alternative.
 */
import type { DbOrTx } from '@/db/client';
import { iterateLabeledClips } from '@/lib/catalog/repo';

/** Tags chosen by more than half of the votes, sorted. */
export function majorityTags(votes: string[][]): string[] {
  const counts = new Map<string, number>();
  for (const tags of votes) for (const tag of tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts]
    .filter(([, n]) => n * 2 > votes.length)
    .map(([tag]) => tag)
    .sort();
}

/** A row of {@link iterateLabeledClips}. */
type LabeledClipRow = Extract<Awaited<ReturnType<ReturnType<typeof iterateLabeledClips>['next']>>, { done?: false }>['value'];

/** One JSON Lines record of a labelled clip. */
export function labelLine(r: LabeledClipRow) {
  return {
    clip_id: r.id,
    sha256: r.sha256,
    title: r.title,
    artist: r.artist,
    licence: r.licence,
    provenance: r.provenance,
    source: r.source,
    duration_s: r.duration_s,
    label_state: r.label_state,
    vote_count: r.vote_count,
    labels: r.labels ?? [],
    soft_labels: r.posteriors ?? {},
    votes: r.vote_tags,
    majority: majorityTags(r.vote_tags),
  };
}

/** The current labels as a JSON Lines byte stream, one page of clips read per pull, and its file name. */
export function currentLabelsJsonl(db: DbOrTx, now = new Date()): { body: ReadableStream<Uint8Array>; filename: string } {
  const encoder = new TextEncoder();
  const rows = iterateLabeledClips(db);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await rows.next();
      if (next.done) return controller.close();
      controller.enqueue(encoder.encode(JSON.stringify(labelLine(next.value)) + '\n'));
    },
  });
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  return { body, filename: `chorus-labels-${stamp}.jsonl` };
}
