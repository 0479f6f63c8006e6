import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { UndoInputSchema } from '@/lib/queue/schemas';
import { undoAnswer } from '@/lib/queue/undo';

/** Undo of the caller's own last answer within the undo window; the clip comes back under a fresh lease. */
export const POST = route({ ...access('/api/votes/undo', 'POST'), rateLimit: 'votes' }, async ({ req, user }) => {
  const input = await parseBody(req, UndoInputSchema);
  return Response.json(await undoAnswer(await getDb(), user.id, input));
});
