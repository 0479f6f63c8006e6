import { getDb } from '@/db';
import { listClipLabels } from '@/lib/catalog/repo';
import { ClipLabelsTable } from '@/components/clip-labels-table';
import { CLIP_LABELS_PER_PAGE, ClipLabelQuerySchema } from '@/lib/catalog/schemas';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { TokenManager } from '@/components/token-manager';
import { SnapshotForm } from '@/components/snapshot-form';
import { SnapshotList } from '@/components/snapshot-list';
import { requirePageRole } from '@/lib/auth/server';
import { snapshotFilterOptions } from '@/lib/export/repo';
import { listSnapshots } from '@/lib/export/service';

export const dynamic = 'force-dynamic';

export default async function DatasetsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageRole(['engineer', 'admin'], '/datasets');
  const raw = Object.fromEntries(Object.entries(await searchParams).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const parsed = ClipLabelQuerySchema.safeParse(raw);
  const query = parsed.success ? parsed.data : ClipLabelQuerySchema.parse({});
  const db = await getDb();
  const [{ total, items }, options, snapshots, taxonomy] = await Promise.all([
    listClipLabels(db, {
      ...query,
      limit: CLIP_LABELS_PER_PAGE,
      offset: (query.page - 1) * CLIP_LABELS_PER_PAGE,
    }),
    snapshotFilterOptions(db),
    listSnapshots(db, { limit: 50 }),
    getActiveTaxonomy(db).catch(() => ({ version: 0, tags: [] as { key: string }[] })),
  ]);
  return (
    <div className="stack">
      <section className="panel stack" aria-labelledby="snapshots-heading">
        <h2 id="snapshots-heading" style={{ margin: 0 }}>
          Dataset snapshots
        </h2>
        <SnapshotForm options={options} />
        <SnapshotList initial={snapshots} />
        <p className="muted" style={{ margin: 0 }}>
          Also from the command line:{' '}
          <code>chorus export --format parquet --out ./my-dataset --name {'<name>'} --min-confidence 0.8</code>
        </p>
      </section>
      <section className="panel stack" id="labels" aria-labelledby="labels-heading">
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <h2 id="labels-heading" style={{ margin: 0 }}>
            Labels
          </h2>
          <a className="button secondary" href="/api/export/jsonl" download data-testid="export-jsonl">
            Download JSONL export
          </a>
        </div>
        <ClipLabelsTable
          base="/datasets"
          query={query}
          total={total}
          items={items}
          perPage={CLIP_LABELS_PER_PAGE}
          tags={taxonomy.tags.map((t) => t.key)}
          invalid={parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}
        />
      </section>
      <TokenManager />
    </div>
  );
}
