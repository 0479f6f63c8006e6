import { z } from 'zod';
import { getDb } from '@/db';
import { revokeApiToken } from '@/lib/auth/repo';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

export const DELETE = route<{ id: string }>(access('/api/tokens/[id]', 'DELETE'), async ({ params, user }) => {
  await revokeApiToken(await getDb(), user.id, z.string().uuid().parse(params.id));
  return { revoked: true };
});
