import { z } from 'zod';
import { access } from '@/lib/http/access';
import { clientIp } from '@/lib/http/rate-limit';
import { route } from '@/lib/http/route';
import { getRecommender } from '@/lib/recommend/runtime';
import { listenerAudio } from '@/lib/recommend/service';
import { audioStore } from '@/lib/storage';
import { audioResponse } from '@/lib/storage/serve';

export const dynamic = 'force-dynamic';

/**
 * A recommendable track's audio for the anonymous /listen player, with range support. Only
 * clips listeners may hear (in the served embedding version, not failed); gold clips answer like
 * any other, or this public route would tell which clips are gold. Labelers keep using
 * /api/clips/[id]/audio.
 */
export const GET = route<{ id: string }>(access('/api/listen/clips/[id]/audio', 'GET'), async ({ req, params }) => {
  const id = z.string().uuid().parse(params.id);
  const rec = await getRecommender();
  rec.limit('reads', clientIp(req));
  const { audioKey, mime } = await listenerAudio(rec, id);
  return audioResponse(audioStore(), audioKey, mime ?? null, req.headers.get('range'));
});
