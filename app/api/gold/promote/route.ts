import { getDb } from '@/db';
import { GoldPromoteInputSchema } from '@/lib/gold/schemas';
import { promoteResolved } from '@/lib/gold/service';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';

/** Promotes expert-resolved clips (the given ones, or all candidates) to gold with their decision as the answer. */
export const POST = route(access('/api/gold/promote', 'POST'), async ({ req, user }) => {
  const input = await parseBody(req, GoldPromoteInputSchema);
  return promoteResolved(await getDb(), user.id, input);
});
