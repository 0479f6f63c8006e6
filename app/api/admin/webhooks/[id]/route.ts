import { z } from 'zod';
import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { WebhookPatchSchema } from '@/lib/webhooks/schemas';
import { deleteWebhook, updateWebhook } from '@/lib/webhooks/service';

export const dynamic = 'force-dynamic';

/** Changes a webhook's URL, events, description or switches it on/off. Audited. */
export const PATCH = route<{ id: string }>(access('/api/admin/webhooks/[id]', 'PATCH'), async ({ req, params, user }) => {
  const id = z.string().uuid().parse(params.id);
  return updateWebhook(await getDb(), user.id, id, await parseBody(req, WebhookPatchSchema));
});

/** Removes a webhook and its delivery log. Audited. */
export const DELETE = route<{ id: string }>(access('/api/admin/webhooks/[id]', 'DELETE'), async ({ params, user }) => {
  await deleteWebhook(await getDb(), user.id, z.string().uuid().parse(params.id));
  return { ok: true };
});
