import type { JobDefinition } from '@/lib/jobs/engine';
import { deliverWebhookSpec, dispatchWebhooksSpec } from '@/lib/webhooks/jobs';
import { dispatchPending, sweepEvents } from '@/lib/webhooks/service';

/** Every minute: new events become deliveries, and every delivery not yet queued gets its job. */
export const dispatchWebhooksJob: JobDefinition<Record<string, never>> = {
  ...dispatchWebhooksSpec,
  async handler(_data, ctx) {
    const created = await sweepEvents(ctx.db);
    const enqueue = ctx.enqueue;
    const queued = enqueue ? await dispatchPending(ctx.db, (deliveryId) => enqueue(deliverWebhookSpec, { deliveryId })) : 0;
    return { created, queued };
  },
};
