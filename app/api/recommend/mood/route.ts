import { access } from '@/lib/http/access';
import { clientIp } from '@/lib/http/rate-limit';
import { parseQuery, route } from '@/lib/http/route';
import { audienceOf, getRecommender, versionedJson } from '@/lib/recommend/runtime';
import { MoodQuerySchema } from '@/lib/recommend/schemas';
import { moodTracks } from '@/lib/recommend/service';

export const dynamic = 'force-dynamic';

/** Tracks for a mood blend (blend=calm:0.7,dreamy:0.3) within optional tempo and energy ranges. */
export const GET = route(access('/api/recommend/mood', 'GET'), async ({ req, user }) => {
  const query = parseQuery(req, MoodQuerySchema);
  const rec = await getRecommender();
  rec.limit('reads', clientIp(req));
  return versionedJson(await moodTracks(rec, query, audienceOf(user)));
});
