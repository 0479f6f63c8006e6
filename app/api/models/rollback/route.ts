import { getDb } from '@/db';
import { requestRescore } from '@/lib/active/jobs';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { rollbackModel } from '@/lib/model/service';

/** Re-activates the model the active one replaced (audited), then queues a rescore with it. */
export const POST = route(access('/api/models/rollback', 'POST'), async ({ user }) => {
  const result = await rollbackModel(await getDb(), user.id);
  const rescoreJobId = await requestRescore('rollback');
  return { ...result, rescoreJobId };
});
