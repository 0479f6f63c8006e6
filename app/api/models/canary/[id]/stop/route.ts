import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { stopCanary } from '@/lib/recommend/canary';
import { CanaryIdParamsSchema } from '@/lib/recommend/schemas';

/** Stops the running canary without a decision (audited); its sessions fall back to the active version. */
export const POST = route<{ id: string }>(access('/api/models/canary/[id]/stop', 'POST'), async ({ params, user }) => {
  const { id } = CanaryIdParamsSchema.parse(params);
  return stopCanary(await getDb(), id, user.id);
});
