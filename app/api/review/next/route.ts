import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { AppError } from '@/lib/http/errors';
import { route } from '@/lib/http/route';
import { nextReviewFor } from '@/lib/review/service';

export const dynamic = 'force-dynamic';

export const GET = route(access('/api/review/next', 'GET'), async ({ user }) => {
  const item = await nextReviewFor(await getDb(), user.id);
  if (!item) throw new AppError('QUEUE_EMPTY', 'No disputed or uncertain clips are waiting for review.');
  return item;
});
