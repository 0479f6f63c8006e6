import { getDb } from '@/db';
import { requestAggregation } from '@/lib/crowd/dashboard';
import { AggregateRequestSchema } from '@/lib/crowd/schemas';
import { access } from '@/lib/http/access';
import { badRequest } from '@/lib/errors';
import { route } from '@/lib/http/route';

/** Queues a full EM run now (progress in GET /api/jobs). The body is optional. */
export const POST = route(access('/api/crowd/aggregate', 'POST'), async ({ req }) => {
  const text = await req.text();
  let body: unknown = {};
  if (text.trim()) {
    try {
      body = JSON.parse(text);
    } catch {
      throw badRequest('The request body must be JSON');
    }
  }
  AggregateRequestSchema.parse(body);
  const result = await requestAggregation(await getDb());
  return Response.json(result, { status: 202 });
});
