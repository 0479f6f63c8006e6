import type { Db, DbOrTx } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { AppError } from '@/lib/errors';
import {
  claimUnqueued,
  dbNow,
  deleteWebhook as removeWebhook,
  getCursor,
  getDelivery,
  getWebhook,
  insertDeliveries,
  insertWebhook,
  listWebhooks as listRows,
  promotedBetween,
  recordAttempt,
  setCursor,
  settledBetween,
  snapshotsBetween,
  subscribers,
  unclaim,
  updateWebhook as patchRow,
  type WebhookRow,
} from './repo';
import {
  WEBHOOK_EVENT_NAMES,
  WEBHOOK_MAX_ATTEMPTS,
  type WebhookCreate,
  type WebhookEventName,
  type WebhookPatch,
  type WebhookView,
} from './schemas';
import { newWebhookSecret, signatureHeader } from './sign';

/**
 * Outgoing webhooks (issue 15, item 9). Admins register a URL and the events it wants; every
 * change is audited (`webhook.create|update|delete`, never with the secret).
 *
 * Events are found by a sweep (the dispatch-webhooks job, every minute) over what the loop already
 * records — clips.state_changed_at for `clip.settled` (consensus or an expert decision),
 * models.promoted_at for `model.promoted`, dataset_snapshots.finished_at for `snapshot.created` —
 * from each event's watermark up to the database clock minus SWEEP_LAG_SECONDS (so a transaction
 * that began before the sweep and commits after it is still seen). No hot path writes anything for
 * webhooks, and changes made by the CLI are sent too. A webhook receives events from its creation
 * on. Settled clips travel CLIPS_PER_DELIVERY to a delivery.
 */

export const SWEEP_LAG_SECONDS = 30;
export const CLIPS_PER_DELIVERY = 500;
const TIMEOUT_MS = 10_000;

function view(row: WebhookRow, counts = { delivered: 0, failed: 0, waiting: 0 }): WebhookView {
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookEventName[],
    description: row.description,
    active: row.active,
    createdAt: new Date(row.createdAt).toISOString(),
    ...counts,
  };
}
const audited = (row: WebhookRow) => ({ url: row.url, events: row.events, description: row.description, active: row.active });

export async function listWebhooks(db: DbOrTx): Promise<WebhookView[]> {
  const rows = await listRows(db);
  return rows.map((r) => ({
    id: r.id,
    url: r.url,
    events: r.events as WebhookEventName[],
    description: r.description,
    active: r.active,
    createdAt: new Date(r.created_at).toISOString(),
    delivered: Number(r.delivered),
    failed: Number(r.failed),
    waiting: Number(r.waiting),
  }));
}

/** Registers a webhook; the answer carries its signing secret, shown this once. */
export async function createWebhook(
  db: Db,
  actorId: string | null,
  input: WebhookCreate,
): Promise<WebhookView & { secret: string }> {
  const secret = newWebhookSecret();
  const row = await db.transaction(async (tx) => {
    const created = await insertWebhook(tx, { ...input, events: [...new Set(input.events)], secret, createdBy: actorId });
    await recordAudit(tx, {
      actorId,
      action: 'webhook.create',
      entity: 'webhook',
      entityId: created.id,
      after: audited(created),
    });
    return created;
  });
  return { ...view(row), secret };
}

export async function updateWebhook(db: Db, actorId: string | null, id: string, patch: WebhookPatch): Promise<WebhookView> {
  return db.transaction(async (tx) => {
    const before = await getWebhook(tx, id);
    if (!before) throw new AppError('NOT_FOUND', `No webhook ${id}`);
    const after = (await patchRow(tx, id, { ...patch, ...(patch.events ? { events: [...new Set(patch.events)] } : {}) }))!;
    await recordAudit(tx, {
      actorId,
      action: 'webhook.update',
      entity: 'webhook',
      entityId: id,
      before: audited(before),
      after: audited(after),
    });
    return view(after);
  });
}

/** Removes a webhook and its delivery log. */
export async function deleteWebhook(db: Db, actorId: string | null, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await removeWebhook(tx, id);
    if (!before) throw new AppError('NOT_FOUND', `No webhook ${id}`);
    await recordAudit(tx, {
      actorId,
      action: 'webhook.delete',
      entity: 'webhook',
      entityId: id,
      before: audited(before),
      after: null,
    });
  });
}

async function payloadsFor(db: DbOrTx, event: WebhookEventName, from: Date, to: Date): Promise<Record<string, unknown>[]> {
  if (event === 'clip.settled') {
    const clips = await settledBetween(db, from, to);
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < clips.length; i += CLIPS_PER_DELIVERY) out.push({ clips: clips.slice(i, i + CLIPS_PER_DELIVERY) });
    return out;
  }
  if (event === 'model.promoted') return promotedBetween(db, from, to);
  return snapshotsBetween(db, from, to);
}

/**
 * One sweep: for each event, what happened in (watermark, now − lag] becomes deliveries for its
 * subscribers, and the watermark moves on in the same transaction. Returns deliveries created per event.
 */
export async function sweepEvents(db: Db, options: { lagSeconds?: number } = {}): Promise<Record<WebhookEventName, number>> {
  const upTo = new Date((await dbNow(db)).getTime() - (options.lagSeconds ?? SWEEP_LAG_SECONDS) * 1000);
  const created = {} as Record<WebhookEventName, number>;
  for (const event of WEBHOOK_EVENT_NAMES) {
    created[event] = await db.transaction(async (tx) => {
      const from = await getCursor(tx, event);
      if (from && from >= upTo) return 0;
      const hooks = from ? await subscribers(tx, event) : [];
      const n =
        from && hooks.length > 0
          ? await insertDeliveries(
              tx,
              hooks.map((h) => h.id),
              event,
              await payloadsFor(tx, event, from, upTo),
            )
          : 0;
      await setCursor(tx, event, upTo);
      return n;
    });
  }
  return created;
}

/** Queues a delivery job for every delivery not yet queued; a failure to queue leaves it for the next sweep. */
export async function dispatchPending(db: Db, enqueue: (deliveryId: string) => Promise<unknown>, limit = 1000): Promise<number> {
  const ids = await claimUnqueued(db, limit);
  let queued = 0;
  for (const [i, id] of ids.entries()) {
    try {
      await enqueue(id);
      queued++;
    } catch (err) {
      await unclaim(db, ids.slice(i));
      throw err;
    }
  }
  return queued;
}

export class DeliveryFailed extends Error {}

/**
 * One attempt at a delivery: POSTs the signed body; a 2xx is 'delivered'. A failure records its
 * status or error and throws DeliveryFailed so the job engine retries with backoff — except on
 * the last attempt (WEBHOOK_MAX_ATTEMPTS), which marks the delivery 'failed' and returns.
 */
export async function attemptDelivery(
  db: Db,
  deliveryId: string,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<{ status: string; attempts: number; statusCode: number | null }> {
  const found = await getDelivery(db, deliveryId);
  if (!found) return { status: 'gone', attempts: 0, statusCode: null };
  const { delivery, webhook } = found;
  if (delivery.status === 'delivered' || delivery.status === 'failed')
    return { status: delivery.status, attempts: delivery.attempts, statusCode: delivery.lastStatusCode };
  const attempts = delivery.attempts + 1;
  if (!webhook.active) {
    await recordAttempt(db, deliveryId, { status: 'failed', statusCode: null, error: 'the webhook was switched off' });
    return { status: 'failed', attempts, statusCode: null };
  }
  const body = JSON.stringify({
    id: delivery.id,
    event: delivery.event,
    created_at: new Date(delivery.createdAt).toISOString(),
    data: delivery.payload,
  });
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const res = await (options.fetch ?? fetch)(webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Chorus-Webhooks/1',
        'chorus-event': delivery.event,
        'chorus-delivery': delivery.id,
        'chorus-signature': signatureHeader(webhook.secret, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? TIMEOUT_MS),
    });
    statusCode = res.status;
    await res.body?.cancel().catch(() => {});
    if (res.status < 200 || res.status >= 300) error = `the receiver answered ${res.status}`;
  } catch (err) {
    error = err instanceof Error ? `${err.name === 'TimeoutError' ? 'no answer within the timeout' : err.message}` : String(err);
  }
  if (error === null) {
    await recordAttempt(db, deliveryId, { status: 'delivered', statusCode, error: null });
    return { status: 'delivered', attempts, statusCode };
  }
  const last = attempts >= WEBHOOK_MAX_ATTEMPTS;
  await recordAttempt(db, deliveryId, { status: last ? 'failed' : 'retrying', statusCode, error: error.slice(0, 500) });
  if (last) return { status: 'failed', attempts, statusCode };
  throw new DeliveryFailed(`webhook delivery ${deliveryId} attempt ${attempts}: ${error}`);
}
