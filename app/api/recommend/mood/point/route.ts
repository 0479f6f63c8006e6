import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';
import { MoodPointQuerySchema } from '@/lib/projects/schemas';
import { recommendByMoodPoint } from '@/lib/projects/va-heads';

export const dynamic = 'force-dynamic';

/**
 * The k clips of a rating project nearest a (valence, arousal) point: the crowd's aggregate where
 * someone rated the clip, else the regression heads' prediction (need review in the project: experts, engineers, admins).
 */
export const GET = route(access('/api/recommend/mood/point', 'GET'), async ({ req, user }) =>
  recommendByMoodPoint(await getDb(), user, parseQuery(req, MoodPointQuerySchema)),
);
