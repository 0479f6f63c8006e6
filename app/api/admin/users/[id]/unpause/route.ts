import { z } from 'zod';
import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { unpauseContributor } from '@/lib/pause/repo';
import { UnpauseSchema } from '@/lib/pause/schemas';

export const dynamic = 'force-dynamic';

/** Sets a paused account active again with a note; the change and its audit row commit together. 409 when not paused. */
export const POST = route<{ id: string }>(access('/api/admin/users/[id]/unpause', 'POST'), async ({ req, params, user }) => {
  const id = z.string().uuid().parse(params.id);
  const { note } = await parseBody(req, UnpauseSchema);
  return unpauseContributor(await getDb(), { userId: id, adminId: user.id, note });
});
