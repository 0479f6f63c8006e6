import { access } from '@/lib/http/access';
import { clientIp } from '@/lib/http/rate-limit';
import { parseBody, route } from '@/lib/http/route';
import { getRecommender } from '@/lib/recommend/runtime';
import { CreateSessionSchema } from '@/lib/recommend/schemas';
import { startListenerSession } from '@/lib/recommend/service';

export const dynamic = 'force-dynamic';

/** A new anonymous listener session: an opaque random id, nothing about the listener (201). */
export const POST = route(access('/api/listen/sessions', 'POST'), async ({ req }) => {
  // Rate limit first: an anonymous caller's body is not even read once the IP is over its budget.
  const rec = await getRecommender();
  rec.limit('sessions', clientIp(req));
  const input = await parseBody(req, CreateSessionSchema);
  return Response.json(await startListenerSession(rec, input), { status: 201, headers: { 'cache-control': 'no-store' } });
});
