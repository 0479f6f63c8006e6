import { access } from '@/lib/http/access';
import { clientIp } from '@/lib/http/rate-limit';
import { parseQuery, route } from '@/lib/http/route';
import { audienceOf, getRecommender, versionedJson } from '@/lib/recommend/runtime';
import { NextQuerySchema, SessionIdSchema } from '@/lib/recommend/schemas';
import { nextTracks } from '@/lib/recommend/service';

export const dynamic = 'force-dynamic';

/** The next tracks for a session, each with its why (query: k, mood, personalization, tempo/energy ranges). */
export const GET = route<{ id: string }>(access('/api/listen/sessions/[id]/next', 'GET'), async ({ req, params, user }) => {
  const sessionId = SessionIdSchema.parse(params.id);
  const query = parseQuery(req, NextQuerySchema);
  const rec = await getRecommender();
  rec.limit('reads', clientIp(req));
  return versionedJson(await nextTracks(rec, sessionId, query, audienceOf(user)));
});
