import { getDb } from '@/db';
import { listAudit } from '@/lib/audit/repo';
import { AuditQuerySchema } from '@/lib/audit/schemas';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** One page of the audit log, newest first (query: actor, action, from, to, page, limit). */
export const GET = route(access('/api/admin/audit', 'GET'), async ({ req }) =>
  listAudit(await getDb(), parseQuery(req, AuditQuerySchema)),
);
