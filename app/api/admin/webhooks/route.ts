import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { WebhookCreateSchema } from '@/lib/webhooks/schemas';
import { createWebhook, listWebhooks } from '@/lib/webhooks/service';

export const dynamic = 'force-dynamic';

/** Registered webhooks with their delivery counts (never their secrets). */
export const GET = route(access('/api/admin/webhooks', 'GET'), async () => ({ webhooks: await listWebhooks(await getDb()) }));

/** Registers a webhook; 201 with its signing secret, shown this once. Audited. */
export const POST = route(access('/api/admin/webhooks', 'POST'), async ({ req, user }) => {
  const input = await parseBody(req, WebhookCreateSchema);
  return Response.json(await createWebhook(await getDb(), user.id, input), { status: 201 });
});
