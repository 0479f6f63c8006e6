import { getDb } from '@/db';
import { listClipLabels } from '@/lib/catalog/repo';
import { TokenManager } from '@/components/token-manager';
import { SnapshotForm } from '@/components/snapshot-form';
import { SnapshotList } from '@/components/snapshot-list';
import { requirePageRole } from '@/lib/auth/server';
import { snapshotFilterOptions } from '@/lib/export/repo';
import { listSnapshots } from '@/lib/export/service';

export default async function DatasetsPage() {
  await requirePageRole(['engineer', 'admin'], '/datasets');
  const db = await getDb();
  const [{ total, items }, options, snapshots] = await Promise.all([
    listClipLabels(db, { limit: 100, offset: 0 }),
    snapshotFilterOptions(db),
    listSnapshots(db, { limit: 50 }),
  ]);
  const voted = items.filter((i) => i.voteCount > 0);
  return (
    <div className="stack">
      <section className="panel stack" aria-labelledby="snapshots-heading">
        <h2 id="snapshots-heading" style={{ margin: 0 }}>
          Dataset snapshots
        </h2>
        <SnapshotForm options={options} />
        <SnapshotList initial={snapshots} />
        <p className="muted" style={{ margin: 0 }}>
          Also from the command line: <code>chorus export --format parquet --out ./my-dataset --name {'<name>'} --min-confidence 0.8</code>
        </p>
      </section>
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
