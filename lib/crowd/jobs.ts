import { z } from 'zod';
import type { JobSpec } from '@/lib/jobs/engine';

/** Seconds between two drains. */
export const DRAIN_INTERVAL_SECONDS = 1;

export const AggregateVotesPayloadSchema = z.object({
  /** What asked for the run: the schedule (skipped when no vote arrived since the last run), new votes, a person, an import. */
  trigger: z.enum(['schedule', 'votes', 'manual', 'import']).default('manual'),
});
export type AggregateVotesPayload = z.infer<typeof AggregateVotesPayloadSchema>;

export const DrainVotesPayloadSchema = z
  .object({
    /**
     * How long one job keeps draining (every DRAIN_INTERVAL_SECONDS) before its successor takes
     * over: one progress-list row per window instead of one per second. At most 8, so a graceful
     * shutdown (which waits 10 s for running jobs) never cuts a window short. 0 = one drain.
     */
    windowSeconds: z.number().int().min(0).max(8).default(8),
  })
  .strict();
export type DrainVotesPayload = z.infer<typeof DrainVotesPayloadSchema>;

/** The full EM (lib/crowd/full-aggregation.ts; bound in jobs/aggregate-votes.ts): one at a time. */
export const aggregateVotesSpec: JobSpec<AggregateVotesPayload> = {
  name: 'aggregate-votes',
  schema: AggregateVotesPayloadSchema as never,
  options: { retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 15 * 60, singletonKey: 'aggregate-votes' },
};

/** The batched vote aggregator (lib/crowd/drain.ts; bound in jobs/drain-votes.ts). */
export const drainVotesSpec: JobSpec<DrainVotesPayload> = {
  name: 'drain-votes',
  schema: DrainVotesPayloadSchema as never,
  // No retries: the successor is already queued and retries the pending answers a second later.
  options: { retryLimit: 0, retryDelay: 1, retryBackoff: false, expireInSeconds: 60, singletonKey: 'drain-votes' },
  policy: 'stately',
};
