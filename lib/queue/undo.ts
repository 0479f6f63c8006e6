import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { clips, leases } from '@/db/schema';
import { playableClip } from '@/lib/catalog/schemas';
import { getProjectSettings } from '@/lib/settings/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { forgetAnswers } from './contributor-cache';
import { undoVote } from './repo';
import { UNDO_WINDOW_SECONDS, type QueueItem, type UndoInput, type UndoResult } from './schemas';

/**
 * Undo of a contributor's last answer within {@link UNDO_WINDOW_SECONDS} (see `undoVote` in
 * ./repo.ts): the answer is deleted — or, when the aggregator already applied it, deleted and its
 * clip recomputed from the answers that remain — and the clip comes back to the contributor under
 * a fresh lease, audited as `vote.undo`.
 *
 * Gold cannot be probed through undo: a gold clip's undo answers exactly like any other (the
 * same fields, the clip back under a lease), and the contributor's gold figures
 * (lib/crowd/service.ts `contributorQuality`) count only answers older than the undo window, so
 * no number a contributor can watch moves while the answer that moved it can still be taken back.
 */
export async function undoAnswer(db: Db, userId: string, input: UndoInput): Promise<UndoResult> {
  const settings = await getProjectSettings(db);
  const undone = await undoVote(db, userId, input.voteId, { windowSeconds: UNDO_WINDOW_SECONDS, leaseSeconds: settings.leaseSeconds });
  // The answer count decides the new-contributor gold rate: re-read it rather than guess.
  if (!undone.replayed) forgetAnswers(userId);
  return { voteId: undone.voteId, replayed: undone.replayed, item: undone.leaseId ? await queueItemOf(db, undone.leaseId) : null };
}

/** A lease as the labeler shows it (what /api/queue/next returns for it). */
async function queueItemOf(db: Db, leaseId: string): Promise<QueueItem | null> {
  const [row] = await db
    .select({ lease: leases, clip: clips })
    .from(leases)
    .innerJoin(clips, eq(clips.id, leases.clipId))
    .where(eq(leases.id, leaseId))
    .limit(1);
  if (!row) return null;
  const taxonomy = await getActiveTaxonomy(db);
  const questionTag = row.lease.questionTag ? taxonomy.tags.find((t) => t.key === row.lease.questionTag) : undefined;
  return {
    lease: { id: row.lease.id, expiresAt: row.lease.expiresAt.toISOString() },
    clip: playableClip(row.clip),
    taxonomy,
    question: questionTag ? { tag: questionTag.key, label: questionTag.label } : null,
  };
}
