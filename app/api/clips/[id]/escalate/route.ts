import { z } from 'zod';
import { getDb } from '@/db';
import { escalateClipByHand } from '@/lib/catalog/service';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

/** Sends a clip to the expert review queue (audited in the same transaction). */
export const POST = route<{ id: string }>(access('/api/clips/[id]/escalate', 'POST'), async ({ params, user }) => {
  const id = z.string().uuid().parse(params.id);
  const change = await escalateClipByHand(await getDb(), user.id, id);
  return { id, labelState: change.after };
});
