import { getDb } from '@/db';
import { requestRetrain } from '@/jobs/retrain';
import { recordAudit } from '@/lib/audit/repo';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { RetrainRequestSchema } from '@/lib/model/schemas';

/** Queues a retrain now (the engineer's button); progress under GET /api/jobs. 409 while one is training. */
export const POST = route(access('/api/models/retrain', 'POST'), async ({ req, user }) => {
  const body = await parseBody(req, RetrainRequestSchema);
  const db = await getDb();
  const jobId = await requestRetrain(db, { trigger: 'manual', kinds: body.kinds });
  await recordAudit(db, { actorId: user.id, action: 'model.retrain', entity: 'job', entityId: jobId, after: body });
  return Response.json({ jobId }, { status: 202 });
});
