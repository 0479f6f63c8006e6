import { access } from '@/lib/http/access';
import { clientIp } from '@/lib/http/rate-limit';
import { parseQuery, route } from '@/lib/http/route';
import { audienceOf, getRecommender, versionedJson } from '@/lib/recommend/runtime';
import { SimilarQuerySchema } from '@/lib/recommend/schemas';
import { similarTracks } from '@/lib/recommend/service';

export const dynamic = 'force-dynamic';

/** The k nearest neighbours of a clip in the active embedding space (public: listeners are anonymous). */
export const GET = route(access('/api/recommend/similar', 'GET'), async ({ req, user }) => {
  const query = parseQuery(req, SimilarQuerySchema);
  const rec = await getRecommender();
  rec.limit('reads', clientIp(req));
  return versionedJson(await similarTracks(rec, query, audienceOf(user)));
});
