import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { DecisionInputSchema } from '@/lib/review/schemas';
import { decide } from '@/lib/review/service';

export const POST = route(access('/api/review/decisions', 'POST'), async ({ req, user }) => {
  const input = await parseBody(req, DecisionInputSchema);
  const result = await decide(await getDb(), user.id, input);
  return Response.json(result, { status: result.replayed ? 200 : 201 });
});
