import { and, desc, eq, sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { webhookCursors, webhookDeliveries, webhooks } from '@/db/schema';
import type { WebhookEventName } from './schemas';

/** The only module that touches `webhooks`, `webhook_deliveries` and `webhook_cursors`. */

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export async function insertWebhook(
  db: DbOrTx,
  v: { url: string; events: string[]; description: string; secret: string; createdBy: string | null },
): Promise<WebhookRow> {
  const [row] = await db.insert(webhooks).values(v).returning();
  return row;
}

export async function getWebhook(db: DbOrTx, id: string): Promise<WebhookRow | undefined> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
  return row;
}

export async function updateWebhook(
  db: DbOrTx,
  id: string,
  patch: Partial<Pick<WebhookRow, 'url' | 'events' | 'description' | 'active'>>,
): Promise<WebhookRow | undefined> {
  const [row] = await db.update(webhooks).set(patch).where(eq(webhooks.id, id)).returning();
  return row;
}

export async function deleteWebhook(db: DbOrTx, id: string): Promise<WebhookRow | undefined> {
  const [row] = await db.delete(webhooks).where(eq(webhooks.id, id)).returning();
  return row;
}

/** Every webhook, newest first, with its deliveries counted by outcome. */
export async function listWebhooks(db: DbOrTx) {
  return execRows<{
    id: string;
    url: string;
    events: string[];
    description: string;
    active: boolean;
    created_at: string | Date;
    delivered: number;
    failed: number;
    waiting: number;
  }>(
    db,
    sql`select w.id, w.url, w.events, w.description, w.active, w.created_at,
               count(d.id) filter (where d.status = 'delivered')::int as delivered,
               count(d.id) filter (where d.status = 'failed')::int as failed,
               count(d.id) filter (where d.status in ('pending', 'retrying'))::int as waiting
        from webhooks w left join webhook_deliveries d on d.webhook_id = w.id
        group by w.id order by w.created_at desc`,
  );
}

export async function listDeliveries(
  db: DbOrTx,
  webhookId: string,
  q: { status?: DeliveryRow['status']; limit: number; offset: number },
) {
  const where = q.status
    ? and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.status, q.status))
    : eq(webhookDeliveries.webhookId, webhookId);
  const rows = await db
    .select({
      id: webhookDeliveries.id,
      webhookId: webhookDeliveries.webhookId,
      event: webhookDeliveries.event,
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      lastStatusCode: webhookDeliveries.lastStatusCode,
      lastError: webhookDeliveries.lastError,
      createdAt: webhookDeliveries.createdAt,
      lastAttemptAt: webhookDeliveries.lastAttemptAt,
      deliveredAt: webhookDeliveries.deliveredAt,
      items: sql<
        number | null
      >`jsonb_array_length(case when jsonb_typeof(${webhookDeliveries.payload}->'clips') = 'array' then ${webhookDeliveries.payload}->'clips' end)`,
    })
    .from(webhookDeliveries)
    .where(where)
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(q.limit)
    .offset(q.offset);
  const [{ total }] = await db
    .select({ total: sql<number>`count(*)::int` })
    .from(webhookDeliveries)
    .where(where);
  return { rows, total: Number(total) };
}

export async function getDelivery(db: DbOrTx, id: string): Promise<{ delivery: DeliveryRow; webhook: WebhookRow } | undefined> {
  const [row] = await db
    .select({ delivery: webhookDeliveries, webhook: webhooks })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(eq(webhookDeliveries.id, id));
  return row;
}

export async function recordAttempt(
  db: DbOrTx,
  id: string,
  outcome: { status: DeliveryRow['status']; statusCode: number | null; error: string | null },
): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({
      status: outcome.status,
      attempts: sql`${webhookDeliveries.attempts} + 1`,
      lastStatusCode: outcome.statusCode,
      lastError: outcome.error,
      lastAttemptAt: new Date(),
      ...(outcome.status === 'delivered' ? { deliveredAt: new Date() } : {}),
    })
    .where(eq(webhookDeliveries.id, id));
}

/** The active webhooks that subscribe to an event. */
export async function subscribers(db: DbOrTx, event: WebhookEventName): Promise<{ id: string }[]> {
  return execRows(db, sql`select id from webhooks where active and ${event} = any(events)`);
}

export async function insertDeliveries(
  db: DbOrTx,
  webhookIds: readonly string[],
  event: WebhookEventName,
  payloads: readonly Record<string, unknown>[],
): Promise<number> {
  const values = webhookIds.flatMap((webhookId) => payloads.map((payload) => ({ webhookId, event, payload })));
  for (let i = 0; i < values.length; i += 200) await db.insert(webhookDeliveries).values(values.slice(i, i + 200));
  return values.length;
}

/** Deliveries no job was queued for yet, oldest first; marks them queued (the caller queues them). */
export async function claimUnqueued(db: DbOrTx, limit: number): Promise<string[]> {
  const rows = await execRows<{ id: string }>(
    db,
    sql`update webhook_deliveries set queued_at = now()
        where id in (select id from webhook_deliveries where queued_at is null order by created_at limit ${limit} for update skip locked)
        returning id`,
  );
  return rows.map((r) => r.id);
}

export async function unclaim(db: DbOrTx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await execRows(
    db,
    sql`update webhook_deliveries set queued_at = null where id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid)`,
  );
}

/** The event's watermark, or null before the first sweep. */
export async function getCursor(db: DbOrTx, event: WebhookEventName): Promise<Date | null> {
  const [row] = await db.select().from(webhookCursors).where(eq(webhookCursors.event, event));
  return row ? new Date(row.watermark) : null;
}

export async function setCursor(db: DbOrTx, event: WebhookEventName, watermark: Date): Promise<void> {
  await db
    .insert(webhookCursors)
    .values({ event, watermark })
    .onConflictDoUpdate({ target: webhookCursors.event, set: { watermark } });
}

/** The database clock. */
export async function dbNow(db: DbOrTx): Promise<Date> {
  const [row] = await execRows<{ now: string | Date }>(db, sql`select now() as now`);
  return new Date(row.now);
}

const iso = (v: string | Date | null) => (v === null ? null : new Date(v).toISOString());

/** Clips that reached consensus or an expert decision in (from, to], with their labels. */
export async function settledBetween(db: DbOrTx, from: Date, to: Date) {
  const rows = await execRows<{
    id: string;
    sha256: string;
    title: string;
    artist: string;
    label_state: string;
    state_changed_at: string | Date;
    tags: string[] | null;
  }>(
    db,
    sql`select c.id, c.sha256, c.title, c.artist, c.label_state, c.state_changed_at,
               case when c.label_state = 'expert_resolved'
                    then (select d.tags from expert_decisions d where d.clip_id = c.id order by d.created_at desc limit 1)
                    else array(select a.tag from aggregates a where a.clip_id = c.id and a.label order by a.tag) end as tags
        from clips c
        where c.label_state in ('consensus', 'expert_resolved')
          and c.state_changed_at > ${from.toISOString()}::timestamptz and c.state_changed_at <= ${to.toISOString()}::timestamptz
        order by c.state_changed_at, c.id`,
  );
  return rows.map((r) => ({
    clip_id: r.id,
    sha256: r.sha256,
    title: r.title,
    artist: r.artist,
    state: r.label_state,
    tags: r.tags ?? [],
    settled_at: iso(r.state_changed_at),
  }));
}

export async function promotedBetween(db: DbOrTx, from: Date, to: Date) {
  const rows = await execRows<{
    id: number;
    kind: string;
    promoted_at: string | Date;
    previous_model_id: number | null;
    tag_keys: string[];
    metrics: Record<string, unknown>;
  }>(
    db,
    sql`select id, kind, promoted_at, previous_model_id, tag_keys, metrics from models
        where promoted_at > ${from.toISOString()}::timestamptz and promoted_at <= ${to.toISOString()}::timestamptz
        order by promoted_at, id`,
  );
  return rows.map((r) => {
    const m = r.metrics ?? {};
    const pick = (k: string) => (typeof m[k] === 'number' ? (m[k] as number) : undefined);
    return {
      model_id: Number(r.id),
      kind: r.kind,
      promoted_at: iso(r.promoted_at),
      replaced_model_id: r.previous_model_id === null ? null : Number(r.previous_model_id),
      tags: r.tag_keys,
      metrics: { micro_f1: pick('microF1') ?? pick('micro_f1'), macro_f1: pick('macroF1') ?? pick('macro_f1') },
    };
  });
}

export async function snapshotsBetween(db: DbOrTx, from: Date, to: Date) {
  const rows = await execRows<{
    id: string;
    name: string;
    version: number;
    formats: string[];
    finished_at: string | Date;
    manifest: Record<string, unknown> | null;
  }>(
    db,
    sql`select id, name, version, formats, finished_at, manifest from dataset_snapshots
        where status = 'ready' and finished_at > ${from.toISOString()}::timestamptz and finished_at <= ${to.toISOString()}::timestamptz
        order by finished_at, id`,
  );
  return rows.map((r) => {
    const counts = (r.manifest?.counts ?? null) as { rows?: number } | null;
    return {
      snapshot_id: r.id,
      name: r.name,
      version: Number(r.version),
      formats: r.formats,
      rows: counts?.rows ?? null,
      content_sha256: (r.manifest?.content_sha256 as string | undefined) ?? null,
      created_at: iso(r.finished_at),
    };
  });
}
