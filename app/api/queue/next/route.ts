import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';
import { NextClipQuerySchema } from '@/lib/queue/schemas';
import { nextClipFor } from '@/lib/queue/service';

export const dynamic = 'force-dynamic';

export const GET = route(access('/api/queue/next', 'GET'), async ({ req, user }) => {
  const { exclude } = parseQuery(req, NextClipQuerySchema);
  const item = await nextClipFor(await getDb(), user.id, exclude);
  // An empty queue is an ordinary answer, not an error: 204 with no body (a 404 would put a red line in every browser console).
  if (!item) return new Response(null, { status: 204 });
  return item;
});
