import { z } from 'zod';

/**
 * Outgoing webhooks (issue 15, item 9): the shapes of the admin API and screen. Client-safe.
 *
 * Every delivery is a POST of JSON `{ id, event, created_at, data }` with the headers
 *   Chorus-Event: clip.settled
 *   Chorus-Delivery: <delivery id, the same on every retry: de-duplicate on it>
 *   Chorus-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * A 2xx answer within 10 s is a delivery; anything else is retried by the job engine with
 * backoff, WEBHOOK_MAX_ATTEMPTS attempts in all. See lib/webhooks/sign.ts to verify.
 */

export const WEBHOOK_EVENT_NAMES = ['clip.settled', 'model.promoted', 'snapshot.created'] as const;
export const WebhookEventSchema = z.enum(WEBHOOK_EVENT_NAMES);
export type WebhookEventName = z.infer<typeof WebhookEventSchema>;

export const WEBHOOK_MAX_ATTEMPTS = 6;
export const SIGNATURE_HEADER = 'chorus-signature';

const UrlSchema = z
  .string()
  .trim()
  .max(2000)
  .url('a full URL, e.g. https://example.org/hooks/chorus')
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'the URL must be http or https');

export const WebhookCreateSchema = z
  .object({
    url: UrlSchema,
    events: z.array(WebhookEventSchema).min(1, 'choose at least one event').max(WEBHOOK_EVENT_NAMES.length),
    description: z.string().trim().max(200).default(''),
  })
  .strict();
export type WebhookCreate = z.infer<typeof WebhookCreateSchema>;

export const WebhookPatchSchema = z
  .object({
    url: UrlSchema.optional(),
    events: z.array(WebhookEventSchema).min(1, 'choose at least one event').optional(),
    description: z.string().trim().max(200).optional(),
    active: z.boolean().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'nothing to change');
export type WebhookPatch = z.infer<typeof WebhookPatchSchema>;

export const WebhookViewSchema = z.object({
  id: z.string().uuid(),
  url: z.string(),
  events: z.array(WebhookEventSchema),
  description: z.string(),
  active: z.boolean(),
  createdAt: z.string(),
  /** Deliveries by status. */
  delivered: z.number().int(),
  failed: z.number().int(),
  waiting: z.number().int(),
});
export type WebhookView = z.infer<typeof WebhookViewSchema>;

/** The create answer: the only time the signing secret is shown. */
export const WebhookCreatedSchema = WebhookViewSchema.extend({ secret: z.string() });

export const DELIVERY_STATUSES = ['pending', 'retrying', 'delivered', 'failed'] as const;
export const WebhookDeliverySchema = z.object({
  id: z.string().uuid(),
  webhookId: z.string().uuid(),
  event: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  /** How many clips, for clip.settled (the payload itself is not listed). */
  items: z.number().int().nullable(),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

export const DeliveryQuerySchema = z
  .object({
    status: z.enum(DELIVERY_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
