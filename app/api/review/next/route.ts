import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { nextReviewFor } from '@/lib/review/service';

export const dynamic = 'force-dynamic';

export const GET = route(access('/api/review/next', 'GET'), async ({ user }) => {
  const item = await nextReviewFor(await getDb(), user.id);
  // An empty queue is an ordinary answer, not an error: 204 with no body (a 404 would put a red line in every browser console).
  if (!item) return new Response(null, { status: 204 });
  return item;
});
