import { getDb } from '@/db';
import { listClipLabels } from '@/lib/catalog/repo';
import { TokenManager } from '@/components/token-manager';
import { requirePageRole } from '@/lib/auth/server';

export default async function DatasetsPage() {
  await requirePageRole(['engineer', 'admin'], '/datasets');
  const { total, items } = await listClipLabels(await getDb(), { limit: 100, offset: 0 });
  const voted = items.filter((i) => i.voteCount > 0);
  return (
    <div className="stack">
      <section className="panel">
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <h2 style={{ margin: 0 }}>Labels</h2>
          <a className="button" href="/api/export/jsonl" download data-testid="export-jsonl">
            Download JSONL export
          </a>
        </div>
        <p className="muted">
          {total} clips; {voted.length} of the first {items.length} have votes. Labels are the current aggregate (majority until the
          reliability-weighted aggregator runs).
        </p>
        <table data-testid="clip-labels">
          <thead>
            <tr>
              <th>Clip</th>
              <th>Artist</th>
              <th>State</th>
              <th>Votes</th>
              <th>Label</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => (
              <tr key={c.id} data-clip-id={c.id}>
                <td>{c.title}</td>
                <td className="muted">{c.artist}</td>
                <td>
                  <span className="badge">{c.labelState}</span>
                </td>
                <td>{c.voteCount}</td>
                <td>{c.labels.join(', ') || <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <TokenManager />
    </div>
  );
}
