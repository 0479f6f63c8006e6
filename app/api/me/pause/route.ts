import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { currentPause } from '@/lib/pause/repo';

export const dynamic = 'force-dynamic';

/** The caller's own pause in force (which check, with its numbers, and their appeal), or `pause: null`. Open to paused accounts. */
export const GET = route({ ...access('/api/me/pause', 'GET'), allowPaused: true }, async ({ user }) => ({
  status: user.status ?? 'active',
  pause: await currentPause(await getDb(), user.id),
}));
