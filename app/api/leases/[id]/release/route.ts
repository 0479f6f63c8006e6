import { z } from 'zod';
import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { releaseLease } from '@/lib/queue/repo';

export const POST = route<{ id: string }>(access('/api/leases/[id]/release', 'POST'), async ({ params, user }) => {
  const id = z.string().uuid().parse(params.id);
  await releaseLease(await getDb(), user.id, id);
  return { released: true };
});
