import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { VoteInputSchema } from '@/lib/queue/schemas';
import { submitVote } from '@/lib/queue/service';

export const POST = route({ ...access('/api/votes', 'POST'), rateLimit: 'votes' }, async ({ req, user }) => {
  const input = await parseBody(req, VoteInputSchema);
  const result = await submitVote(await getDb(), user.id, input);
  return Response.json(result, { status: result.replayed ? 200 : 201 });
});
