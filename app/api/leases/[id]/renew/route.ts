import { z } from 'zod';
import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { renewLease } from '@/lib/queue/repo';
import { getProjectSettings } from '@/lib/settings/repo';

export const POST = route<{ id: string }>(access('/api/leases/[id]/renew', 'POST'), async ({ params, user }) => {
  const id = z.string().uuid().parse(params.id);
  const db = await getDb();
  const { expiresAt } = await renewLease(db, user.id, id, await getProjectSettings(db));
  return { expiresAt: expiresAt.toISOString() };
});
