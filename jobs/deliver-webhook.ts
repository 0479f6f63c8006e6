import type { JobDefinition } from '@/lib/jobs/engine';
import { deliverWebhookSpec } from '@/lib/webhooks/jobs';
import { attemptDelivery } from '@/lib/webhooks/service';

/** One attempt at one webhook delivery; a failed attempt throws so the engine retries it with backoff. */
export const deliverWebhookJob: JobDefinition<{ deliveryId: string }> = {
  ...deliverWebhookSpec,
  concurrency: 4,
  async handler({ deliveryId }, ctx) {
    return attemptDelivery(ctx.db, deliveryId);
  },
};
