import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { AppError } from '@/lib/http/errors';
import { parseQuery, route } from '@/lib/http/route';
import { NextClipQuerySchema } from '@/lib/queue/schemas';
import { nextClipFor } from '@/lib/queue/service';

export const dynamic = 'force-dynamic';

export const GET = route(access('/api/queue/next', 'GET'), async ({ req, user }) => {
  const { exclude } = parseQuery(req, NextClipQuerySchema);
  const item = await nextClipFor(await getDb(), user.id, exclude);
  if (!item) throw new AppError('QUEUE_EMPTY', 'Nothing left for you to label right now. Thank you!');
  return item;
});
