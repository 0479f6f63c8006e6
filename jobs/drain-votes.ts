import type { JobDefinition } from '@/lib/jobs/engine';
import { drainVotes } from '@/lib/crowd/drain';
import { aggregateVotesSpec, DRAIN_INTERVAL_SECONDS, drainVotesSpec, type DrainVotesPayload } from '@/lib/crowd/jobs';

/**
 * The batched vote aggregator, about every second. A chain of jobs: each one first queues its
 * successor (so a drain that throws, or a worker that dies, does not end the chain), then drains
 * every DRAIN_INTERVAL_SECONDS for `windowSeconds`. The 'stately' queue (singletonKey) holds at
 * most one waiting and one running, so there is one drain at a time across all workers and the
 * successor starts at the next poll after this one ends. pg-boss cron is per minute: the
 * schedule in ./registry.ts only restarts a chain that broke, and the worker queues the first
 * link at start. Queues the full EM when `emEveryVotes` answers arrived since its last run.
 */
export const drainVotesJob: JobDefinition<DrainVotesPayload> = {
  ...drainVotesSpec,
  concurrency: 1,
  async handler(data, ctx) {
    await ctx.enqueue?.(drainVotesSpec, data);
    const until = Date.now() + data.windowSeconds * 1000;
    const total = { votes: 0, clips: 0, batches: 0, emQueued: false };
    for (;;) {
      const started = Date.now();
      const result = await drainVotes(ctx.db);
      total.votes += result.votes;
      total.clips += result.clips;
      total.batches += result.batches;
      if (result.emDue && !total.emQueued)
        total.emQueued = (await ctx.enqueue?.(aggregateVotesSpec, { trigger: 'votes' })) != null;
      const next = result.more ? Date.now() : started + DRAIN_INTERVAL_SECONDS * 1000;
      if (next >= until) return total;
      await new Promise((resolve) => setTimeout(resolve, next - Date.now()));
    }
  },
};
