import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { getRecommender, versionedJson } from '@/lib/recommend/runtime';
import { ListenEventSchema, SessionIdSchema } from '@/lib/recommend/schemas';
import { recordListenerEvent } from '@/lib/recommend/service';

export const dynamic = 'force-dynamic';

/** Feedback on one track (play, skip, like, dislike); moves the session vector. */
export const POST = route<{ id: string }>(access('/api/listen/sessions/[id]/events', 'POST'), async ({ req, params }) => {
  const sessionId = SessionIdSchema.parse(params.id);
  const rec = await getRecommender();
  rec.limit('events', sessionId);
  const input = await parseBody(req, ListenEventSchema);
  return versionedJson(await recordListenerEvent(rec, sessionId, input));
});
