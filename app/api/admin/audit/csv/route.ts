import { getDb } from '@/db';
import { streamAudit } from '@/lib/audit/repo';
import { AuditQuerySchema } from '@/lib/audit/schemas';
import { csvLine } from '@/lib/export/csv-safe';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

const HEADER = ['id', 'at', 'actor_id', 'actor_name', 'actor_email', 'action', 'entity', 'entity_id', 'before', 'after'];

/**
 * Every audit row matching the filters (same query as /api/admin/audit, paging ignored) as CSV,
 * streamed in batches; `before` and `after` are JSON text cells, and every text cell is
 * formula-safe (lib/export/csv-safe.ts) since titles and names come from users.
 */
export const GET = route(access('/api/admin/audit/csv', 'GET'), async ({ req }) => {
  const filter = parseQuery(req, AuditQuerySchema);
  const db = await getDb();
  const encoder = new TextEncoder();
  const batches = streamAudit(db, filter);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvLine(HEADER)));
    },
    async pull(controller) {
      const next = await batches.next();
      if (next.done) {
        controller.close();
        return;
      }
      const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
      controller.enqueue(
        encoder.encode(
          next.value
            .map((r) =>
              csvLine([
                r.id,
                r.at,
                r.actorId,
                r.actorName,
                r.actorEmail,
                r.action,
                r.entity,
                r.entityId,
                json(r.before),
                json(r.after),
              ]),
            )
            .join(''),
        ),
      );
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  const day = new Date().toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="chorus-audit-${day}.csv"`,
      'cache-control': 'no-store',
    },
  });
});
