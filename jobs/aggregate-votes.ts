import type { JobDefinition } from '@/lib/jobs/engine';
import { runFullAggregation } from '@/lib/crowd/full-aggregation';
import { aggregateVotesSpec, type AggregateVotesPayload } from '@/lib/crowd/jobs';

/**
 * Full EM over all crowd votes: posteriors, clip states, worker reliabilities, agreement, and
 * pauses of spammers. Safe to run twice (idempotent writes, guarded against votes that arrive
 * meanwhile). Queued by the vote drain (jobs/drain-votes.ts) after `emEveryVotes` new votes, and every ten minutes.
 */
export const aggregateVotesJob: JobDefinition<AggregateVotesPayload> = {
  ...aggregateVotesSpec,
  concurrency: 1,
  async handler({ trigger }, ctx) {
    return runFullAggregation(ctx.db, {
      trigger,
      force: trigger !== 'schedule',
      onProgress: (fraction, message) => ctx.progress(fraction, message),
    });
  },
};
