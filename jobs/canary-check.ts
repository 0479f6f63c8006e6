import { z } from 'zod';
import type { JobDefinition } from '@/lib/jobs/engine';
import { decideCanary } from '@/lib/recommend/canary';

/** Every minute: one look at the running embedding canary — promote, roll back or keep going (lib/recommend/canary). */
export const canaryCheckJob: JobDefinition<Record<string, never>> = {
  name: 'canary-check',
  schema: z.object({}).strict() as never,
  options: { retryLimit: 0, retryDelay: 60, retryBackoff: false, expireInSeconds: 120, singletonKey: 'canary-check' },
  async handler(_data, ctx) {
    const out = await decideCanary(ctx.db);
    return out ? { canary: out.canary.id, status: out.canary.status, decision: out.report.decision } : { canary: null };
  },
};
