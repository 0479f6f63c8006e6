import type { JobDefinition } from '@/lib/jobs/engine';
import { decideCanary } from '@/lib/recommend/canary';
import { canaryCheckSpec } from '@/lib/recommend/jobs';

/** Every minute: one look at the running embedding canary — promote, roll back or keep going (lib/recommend/canary). */
export const canaryCheckJob: JobDefinition<Record<string, never>> = {
  ...canaryCheckSpec,
  async handler(_data, ctx) {
    const out = await decideCanary(ctx.db);
    return out ? { canary: out.canary.id, status: out.canary.status, decision: out.report.decision } : { canary: null };
  },
};
