import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { requestRetrain } from '@/lib/model/jobs';
import { RetrainRequestSchema } from '@/lib/model/schemas';

/** Queues a retrain now (the engineer's button; audited); progress under GET /api/jobs. 409 while one is training. */
export const POST = route(access('/api/models/retrain', 'POST'), async ({ req, user }) => {
  const body = await parseBody(req, RetrainRequestSchema);
  const jobId = await requestRetrain(await getDb(), user.id, body);
  return Response.json({ jobId }, { status: 202 });
});
