import Link from 'next/link';
import { getDb } from '@/db';
import { requirePageRole } from '@/lib/auth/server';
import { TableRegion } from '@/components/table-view';
import { auditFilterChoices, listAudit } from '@/lib/audit/repo';
import { AUDIT_SYSTEM_ACTOR, AuditQuerySchema, auditQueryString, type AuditQuery } from '@/lib/audit/schemas';

export const dynamic = 'force-dynamic';

const json = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v, null, 1));

/**
 * The audit log for admins (issue 15, item 8): who changed what and when — filtered by actor,
 * action and UTC days, newest first, paged; the same filter downloads as CSV. A plain GET form,
 * so a filtered view is a link an admin can share.
 */
export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageRole(['admin'], '/admin/audit');
  const raw = Object.fromEntries(Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const parsed = AuditQuerySchema.safeParse(raw);
  const query: AuditQuery = parsed.success ? parsed.data : AuditQuerySchema.parse({});
  const db = await getDb();
  const [result, choices] = await Promise.all([listAudit(db, query), auditFilterChoices(db)]);
  const filter = { actor: query.actor, action: query.action, from: query.from, to: query.to };
  const actorName = (r: (typeof result.rows)[number]) => (r.actorId ? (r.actorName ?? r.actorId.slice(0, 8)) : 'system');

  return (
    <div className="stack">
      <h1 id="audit-heading" style={{ margin: 0 }}>
        Audit log
      </h1>
      <form className="panel row audit-filters" method="get" action="/admin/audit" data-testid="audit-filters">
        <label>
          Actor{' '}
          <select name="actor" defaultValue={query.actor ?? ''}>
            <option value="">anyone</option>
            <option value={AUDIT_SYSTEM_ACTOR}>system (jobs, CLI)</option>
            {choices.actors.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.email})
              </option>
            ))}
          </select>
        </label>
        <label>
          Action{' '}
          <select name="action" defaultValue={query.action ?? ''}>
            <option value="">any</option>
            {choices.actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          From <input type="date" name="from" defaultValue={query.from ?? ''} />
        </label>
        <label>
          To <input type="date" name="to" defaultValue={query.to ?? ''} />
        </label>
        <button type="submit">Filter</button>
        <Link href="/admin/audit" className="button secondary">
          Clear
        </Link>
        <a href={`/api/admin/audit/csv${auditQueryString(filter)}`} className="button secondary" download data-testid="audit-csv">
          Download CSV
        </a>
      </form>
      {!parsed.success && (
        <p className="error" role="alert">
          {parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')} — showing everything instead.
        </p>
      )}
      <p className="muted" style={{ margin: 0 }} data-testid="audit-count">
        {result.total} entr{result.total === 1 ? 'y' : 'ies'}; days are UTC. Page {result.page} of {result.pages}.
      </p>
      <section className="panel">
        {result.rows.length === 0 ? (
          <p className="muted" style={{ margin: 0 }}>
            Nothing matches these filters.
          </p>
        ) : (
          <TableRegion labelledBy="audit-heading">
            <table data-testid="audit-table">
              <thead>
                <tr>
                  <th>When (UTC)</th>
                  <th>Actor</th>
                  <th>Action</th>
                  <th>On</th>
                  <th>Change</th>
                </tr>
              </thead>
              <tbody>
                {result.rows.map((r) => (
                  <tr key={r.id} data-action={r.action}>
                    <td className="muted" style={{ whiteSpace: 'nowrap' }}>
                      {r.at.slice(0, 19).replace('T', ' ')}
                    </td>
                    <td title={r.actorEmail ?? undefined}>{actorName(r)}</td>
                    <td>
                      <code>{r.action}</code>
                    </td>
                    <td>
                      {r.entity}{' '}
                      <code className="muted">{r.entityId.length > 12 ? `${r.entityId.slice(0, 8)}…` : r.entityId}</code>
                    </td>
                    <td>
                      <details>
                        <summary className="muted">before / after</summary>
                        <pre className="audit-json">{json(r.before)}</pre>
                        <pre className="audit-json">{json(r.after)}</pre>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableRegion>
        )}
      </section>
      <nav className="row" aria-label="Pages">
        {result.page > 1 && (
          <Link className="button secondary" href={`/admin/audit${auditQueryString({ ...filter, page: result.page - 1 })}`}>
            ← Newer
          </Link>
        )}
        {result.page < result.pages && (
          <Link className="button secondary" href={`/admin/audit${auditQueryString({ ...filter, page: result.page + 1 })}`}>
            Older →
          </Link>
        )}
      </nav>
    </div>
  );
}
