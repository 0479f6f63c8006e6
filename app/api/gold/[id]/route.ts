import { z } from 'zod';
import { getDb } from '@/db';
import { unmarkGold } from '@/lib/gold/service';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

/** Takes a clip out of gold (404 when it is not gold). */
export const DELETE = route<{ id: string }>(access('/api/gold/[id]', 'DELETE'), async ({ params, user }) => {
  const clipId = z.string().uuid().parse(params.id);
  return { removed: await unmarkGold(await getDb(), user.id, clipId) };
});
