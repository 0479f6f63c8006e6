import { z } from 'zod';
import type { JobSpec } from '@/lib/jobs/engine';
import { WEBHOOK_MAX_ATTEMPTS } from './schemas';

/**
 * Sends one webhook delivery (bound in jobs/deliver-webhook.ts). A failed attempt throws, so
 * pg-boss retries it after 30 s, 60 s, 120 s … (backoff); the handler marks the delivery failed
 * on its last attempt instead of throwing.
 */
export const deliverWebhookSpec: JobSpec<{ deliveryId: string }> = {
  name: 'deliver-webhook',
  schema: z.object({ deliveryId: z.string().uuid() }),
  options: { retryLimit: WEBHOOK_MAX_ATTEMPTS - 1, retryDelay: 30, retryBackoff: true, expireInSeconds: 120 },
};

/**
 * Every minute: turns what happened since the last sweep (clips settled, models promoted,
 * snapshots built) into deliveries for the webhooks that subscribe, and queues a delivery job
 * for each delivery not yet queued (bound in jobs/dispatch-webhooks.ts).
 */
export const dispatchWebhooksSpec: JobSpec<Record<string, never>> = {
  name: 'dispatch-webhooks',
  schema: z.object({}).strict() as never,
  options: { retryLimit: 0, retryDelay: 60, retryBackoff: false, expireInSeconds: 300 },
  policy: 'stately',
};
