import type { DbOrTx } from '@/db/client';
import type { votes } from '@/db/schema';
import type { Taxonomy } from '@/lib/taxonomy/schemas';
import { upsertAggregates, votesForClip } from './repo';

/**
 * Runs inside the vote's transaction: refreshes the clip's per-tag posteriors so the
 * engineer view and the queue see the new vote at once.
 */
export async function onVoteRecorded(tx: DbOrTx, vote: typeof votes.$inferSelect, taxonomy: Taxonomy): Promise<void> {
  if (vote.kind !== 'vote') return;
  const clipVotes = await votesForClip(tx, vote.clipId);
  const n = clipVotes.length;
  await upsertAggregates(
    tx,
    taxonomy.tags.map((tag) => {
      const yes = clipVotes.filter((v) => v.tags.includes(tag.key)).length;
      const posterior = (yes + 0.5) / (n + 1);
      return {
        clipId: vote.clipId,
        tag: tag.key,
        posterior,
        label: yes * 2 > n,
        confidence: Math.max(posterior, 1 - posterior),
        yesVotes: yes,
        noVotes: n - yes,
        method: 'mv',
      };
    }),
  );
}
