import { z } from 'zod';
import { getDb } from '@/db';
import { AppError } from '@/lib/errors';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';
import { getWebhook, listDeliveries } from '@/lib/webhooks/repo';
import { DeliveryQuerySchema } from '@/lib/webhooks/schemas';

export const dynamic = 'force-dynamic';

/** The delivery log of one webhook, newest first: event, status, attempts, last answer or error. */
export const GET = route<{ id: string }>(access('/api/admin/webhooks/[id]/deliveries', 'GET'), async ({ req, params }) => {
  const id = z.string().uuid().parse(params.id);
  const query = parseQuery(req, DeliveryQuerySchema);
  const db = await getDb();
  if (!(await getWebhook(db, id))) throw new AppError('NOT_FOUND', `No webhook ${id}`);
  const { rows, total } = await listDeliveries(db, id, query);
  const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
  return {
    total,
    deliveries: rows.map((r) => ({
      ...r,
      createdAt: iso(r.createdAt),
      lastAttemptAt: iso(r.lastAttemptAt),
      deliveredAt: iso(r.deliveredAt),
      items: r.items === null ? null : Number(r.items),
    })),
  };
});
