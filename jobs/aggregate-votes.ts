import { z } from 'zod';
import type { JobDefinition } from '@/lib/jobs/engine';
import { runFullAggregation } from '@/lib/crowd/full-aggregation';
import { AGGREGATE_VOTES_JOB } from '@/lib/crowd/schemas';

export const AggregateVotesPayloadSchema = z.object({
  /** What asked for the run: the schedule (skipped when no vote arrived since the last run), new votes, a person, an import. */
  trigger: z.enum(['schedule', 'votes', 'manual', 'import']).default('manual'),
});
export type AggregateVotesPayload = z.infer<typeof AggregateVotesPayloadSchema>;

/**
 * Full EM over all crowd votes: posteriors, clip states, worker reliabilities, agreement, and
 * pauses of spammers. Safe to run twice (idempotent writes, guarded against votes that arrive
 * meanwhile). Queued by the vote drain (jobs/drain-votes.ts) after `emEveryVotes` new votes, and every ten minutes.
 */
export const aggregateVotesJob: JobDefinition<AggregateVotesPayload> = {
  name: AGGREGATE_VOTES_JOB,
  schema: AggregateVotesPayloadSchema as never,
  options: { retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 15 * 60, singletonKey: AGGREGATE_VOTES_JOB },
  concurrency: 1,
  async handler({ trigger }, ctx) {
    return runFullAggregation(ctx.db, {
      trigger,
      force: trigger !== 'schedule',
      onProgress: (fraction, message) => ctx.progress(fraction, message),
    });
  },
};
