import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { auditLog } from '@/db/schema';
import { AUDIT_SYSTEM_ACTOR, type AuditPage, type AuditQuery, type AuditRow } from './schemas';

export interface AuditEntry {
  actorId?: string | null;
  action: string;
  entity: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
}

/** Append-only: nothing in Chorus updates or deletes audit rows. */
export async function recordAudit(db: DbOrTx, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actorId: entry.actorId ?? null,
    action: entry.action,
    entity: entry.entity,
    entityId: entry.entityId,
    before: (entry.before ?? null) as never,
    after: (entry.after ?? null) as never,
  });
}

export async function auditTrail(db: DbOrTx, entity: string, entityId: string) {
  return db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.entity, entity), eq(auditLog.entityId, entityId)))
    .orderBy(desc(auditLog.at));
}

type AuditFilter = Pick<AuditQuery, 'actor' | 'action' | 'from' | 'to'>;

/** The filter as SQL; `to` is an inclusive UTC day, so the bound is the next midnight. */
function whereOf(q: AuditFilter): SQL {
  const parts: SQL[] = [sql`true`];
  if (q.actor === AUDIT_SYSTEM_ACTOR) parts.push(sql`a.actor_id is null`);
  else if (q.actor) parts.push(sql`a.actor_id = ${q.actor}::uuid`);
  if (q.action) parts.push(sql`a.action = ${q.action}`);
  if (q.from) parts.push(sql`a.at >= ${q.from}::date::timestamp at time zone 'UTC'`);
  if (q.to) parts.push(sql`a.at < (${q.to}::date + 1)::timestamp at time zone 'UTC'`);
  return sql.join(parts, sql` and `);
}

interface RawAuditRow {
  id: number | string;
  at: Date | string;
  actor_id: string | null;
  actor_name: string | null;
  actor_email: string | null;
  action: string;
  entity: string;
  entity_id: string;
  before: unknown;
  after: unknown;
}

const toRow = (r: RawAuditRow): AuditRow => ({
  id: Number(r.id),
  at: new Date(r.at).toISOString(),
  actorId: r.actor_id,
  actorName: r.actor_name,
  actorEmail: r.actor_email,
  action: r.action,
  entity: r.entity,
  entityId: r.entity_id,
  before: r.before,
  after: r.after,
});

const SELECT = sql`select a.id, a.at, a.actor_id, u.name as actor_name, u.email as actor_email, a.action, a.entity, a.entity_id, a.before, a.after
  from audit_log a left join users u on u.id = a.actor_id`;

/** One page of audit rows, newest first (by id: the order they were written), with the number of matching rows. */
export async function listAudit(db: DbOrTx, q: AuditQuery): Promise<AuditPage> {
  const where = whereOf(q);
  const [{ n }] = await execRows<{ n: number }>(db, sql`select count(*)::int as n from audit_log a where ${where}`);
  const rows = await execRows<RawAuditRow>(
    db,
    sql`${SELECT} where ${where} order by a.id desc limit ${q.limit} offset ${(q.page - 1) * q.limit}`,
  );
  return { rows: rows.map(toRow), total: n, page: q.page, pages: Math.max(1, Math.ceil(n / q.limit)) };
}

/**
 * Every matching row, newest first, in batches of `batch` (keyset on the id, so a long download
 * neither holds one big result nor repeats or skips rows when new ones are written meanwhile).
 */
export async function* streamAudit(db: DbOrTx, q: AuditFilter, batch = 1000): AsyncGenerator<AuditRow[]> {
  const where = whereOf(q);
  let before: number | undefined;
  for (;;) {
    const keyset = before !== undefined ? sql`and a.id < ${before}` : sql``;
    const rows = (await execRows<RawAuditRow>(db, sql`${SELECT} where ${where} ${keyset} order by a.id desc limit ${batch}`)).map(
      toRow,
    );
    if (rows.length === 0) return;
    yield rows;
    before = rows[rows.length - 1].id;
    if (rows.length < batch) return;
  }
}

/** The filter choices: every action written so far, and every actor who wrote a row. */
export async function auditFilterChoices(
  db: DbOrTx,
): Promise<{ actions: string[]; actors: { id: string; name: string; email: string }[] }> {
  const [actions, actors] = await Promise.all([
    execRows<{ action: string }>(db, sql`select distinct action from audit_log order by action`),
    execRows<{ id: string; name: string; email: string }>(
      db,
      sql`select u.id, u.name, u.email from users u where exists (select 1 from audit_log a where a.actor_id = u.id) order by u.name, u.email`,
    ),
  ]);
  return { actions: actions.map((a) => a.action), actors };
}
