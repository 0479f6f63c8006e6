import { and, eq, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { aggregates, votes } from '@/db/schema';

export async function countVotesByUser(db: DbOrTx, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(votes)
    .where(and(eq(votes.userId, userId), ne(votes.kind, 'skip')));
  return Number(row?.n ?? 0);
}

/** Votes (kind = vote) on one clip: who said which tags. */
export async function votesForClip(db: DbOrTx, clipId: string) {
  return db
    .select({ userId: votes.userId, tags: votes.tags, taxonomyVersion: votes.taxonomyVersion, createdAt: votes.createdAt })
    .from(votes)
    .where(and(eq(votes.clipId, clipId), eq(votes.kind, 'vote')));
}

export interface AggregateRow {
  clipId: string;
  tag: string;
  posterior: number;
  label: boolean;
  confidence: number;
  yesVotes: number;
  noVotes: number;
  method: string;
}

export async function upsertAggregates(db: DbOrTx, rows: AggregateRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(aggregates)
    .values(rows.map((r) => ({ ...r, updatedAt: new Date() })))
    .onConflictDoUpdate({
      target: [aggregates.clipId, aggregates.tag],
      set: {
        posterior: sql`excluded.posterior`,
        label: sql`excluded.label`,
        confidence: sql`excluded.confidence`,
        yesVotes: sql`excluded.yes_votes`,
        noVotes: sql`excluded.no_votes`,
        method: sql`excluded.method`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
}
