import { getDb } from '@/db';
import { iterateLabeledClips } from '@/lib/catalog/repo';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** Tags chosen by more than half of the votes. */
function majorityTags(votes: string[][]): string[] {
  const counts = new Map<string, number>();
  for (const tags of votes) for (const tag of tags) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  return [...counts].filter(([, n]) => n * 2 > votes.length).map(([tag]) => tag).sort();
}

/** The current labels as JSON Lines, streamed page by page (snapshots are the versioned alternative). */
export const GET = route(access('/api/export/jsonl', 'GET'), async () => {
  const db = await getDb();
  const encoder = new TextEncoder();
  const rows = iterateLabeledClips(db);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await rows.next();
      if (next.done) return controller.close();
      const r = next.value;
      const line = {
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
        // The raw votes (tag lists, anonymous) and their plain majority, beside the aggregated labels.
        votes: r.vote_tags,
        majority: majorityTags(r.vote_tags),
      };
      controller.enqueue(encoder.encode(JSON.stringify(line) + '\n'));
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return new Response(body, {
    headers: {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="chorus-labels-${stamp}.jsonl"`,
    },
  });
});
