import { z } from 'zod';
import { getDb } from '@/db';
import { recordAudit } from '@/lib/audit/repo';
import { escalateClip } from '@/lib/catalog/repo';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

/** Sends a clip to the expert review queue (audited). */
export const POST = route<{ id: string }>(access('/api/clips/[id]/escalate', 'POST'), async ({ params, user }) => {
  const id = z.string().uuid().parse(params.id);
  const db = await getDb();
  // The audit row is written in the clip update's transaction: no escalation without its record.
  const change = await db.transaction(async (tx) => {
    const made = await escalateClip(tx, id);
    await recordAudit(tx, { actorId: user.id, action: 'clip.escalate', entity: 'clip', entityId: id, before: { labelState: made.before }, after: { labelState: made.after } });
    return made;
  });
  return { id, labelState: change.after };
});
