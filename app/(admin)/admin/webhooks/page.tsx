import { getDb } from '@/db';
import { requirePageRole } from '@/lib/auth/server';
import { listWebhooks } from '@/lib/webhooks/service';
import { WebhookAdmin } from '@/components/webhook-admin';

export const dynamic = 'force-dynamic';

/** Outgoing webhooks (issue 15, item 9): registration, switch on/off, and the delivery log. */
export default async function WebhooksPage() {
  await requirePageRole(['admin'], '/admin/webhooks');
  const webhooks = await listWebhooks(await getDb());
  return (
    <div className="stack">
      <h1 style={{ margin: 0 }}>Webhooks</h1>
      <p className="muted" style={{ margin: 0 }}>
        Chorus POSTs signed JSON to these URLs when clips settle, a model is promoted or a snapshot is built; failed deliveries
        are retried with backoff (6 attempts). See the README, “Webhooks”, for the body and how to check the signature.
      </p>
      <WebhookAdmin webhooks={webhooks} />
    </div>
  );
}
