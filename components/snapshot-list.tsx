'use client';

import { useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/client/api';
import type { SnapshotView } from '@/lib/export/schemas';
import { SortHeader, TablePager, TableSearch, useTableView, ScrollTable } from './table-view';

const SPLITS = ['train', 'validation', 'test'] as const;
const FORMATS = ['parquet', 'jsonl', 'csv'] as const;

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function fileUrl(id: string, path: string): string {
  return `/api/datasets/${id}/files/${path.split('/').map(encodeURIComponent).join('/')}`;
}

const PAGE = 10;
const COLUMNS = {
  created: { value: (s: SnapshotView) => s.createdAt, first: 'desc' as const },
  status: { value: (s: SnapshotView) => s.status },
  rows: { value: (s: SnapshotView) => s.counts?.rows ?? null, first: 'desc' as const },
};

/**
 * Snapshots with status, build progress (polled every second while any builds), counts and
 * downloads; newest first, searched, sorted and paged like the other tables (issue 14, item 5).
 */
export function SnapshotList({ initial }: { initial?: SnapshotView[] }) {
  const query = useQuery({
    queryKey: ['snapshots'],
    queryFn: () => apiFetch<{ snapshots: SnapshotView[] }>('/api/datasets?limit=50'),
    initialData: initial ? { snapshots: initial } : undefined,
    refetchInterval: (q) => (q.state.data?.snapshots.some((s) => s.status === 'building') ? 1000 : false),
  });
  const list = query.data?.snapshots ?? [];
  const view = useTableView(list, {
    columns: COLUMNS,
    initialSort: 'created',
    text: (s) => `${s.name} v${s.version} ${s.status} ${(s.filters as { states?: string[] }).states?.join(' ') ?? ''}`,
    pageSize: PAGE,
  });
  return (
    <div className="stack" data-testid="snapshot-list">
      {query.error && (
        <p className="error" role="alert">
          Could not load snapshots: {query.error.message}
        </p>
      )}
      {list.length === 0 ? (
        <p className="muted">No snapshots yet: define one above.</p>
      ) : (
        <>
          <div className="row">
            <TableSearch view={view} label="Find" placeholder="name, status or clip state" />
          </div>
          <ScrollTable
            label="Dataset snapshots"
            head={
              <>
                <SortHeader view={view} column="created" title="By when it was defined">
                  Snapshot
                </SortHeader>
                <SortHeader view={view} column="status">
                  Status
                </SortHeader>
                <SortHeader view={view} column="rows">
                  Rows
                </SortHeader>
                <th scope="col">Downloads</th>
              </>
            }
          >
            {view.rows.map((s) => (
              <SnapshotRow key={s.id} s={s} />
            ))}
          </ScrollTable>
          <TablePager view={view} noun="snapshots" pageSize={PAGE} testId="snapshot-pager" />
        </>
      )}
    </div>
  );
}

function SnapshotRow({ s }: { s: SnapshotView }) {
  const filters = s.filters as { states?: string[]; minConfidence?: number; taxonomyVersion?: number; applyMapping?: boolean };
  const progress = s.status === 'building' ? (s.job?.progress ?? 0) : s.status === 'ready' ? 1 : 0;
  // Parquet first (the default `datasets` config), splits in train / validation / test order.
  const order = (f: SnapshotView['files'][number]) => SPLITS.indexOf((f.split ?? 'train') as (typeof SPLITS)[number]);
  const byFormat = new Map<string, SnapshotView['files']>(
    FORMATS.map((format) => [
      format,
      s.files.filter((f) => f.format === format).sort((a, b) => order(a) - order(b) || (a.path < b.path ? -1 : 1)),
    ]),
  );
  const example = FORMATS.map((format) => byFormat.get(format)?.[0]).find(Boolean);
  return (
    <tr data-testid="snapshot-row" data-snapshot-id={s.id} data-status={s.status} data-name={s.name} data-version={s.version}>
      <td>
        <strong>
          {s.name} v{s.version}
        </strong>
        <div className="muted">
          {new Date(s.createdAt).toLocaleString()} · taxonomy v{s.taxonomyVersion ?? '?'}
          {filters.applyMapping ? ' (mapped)' : ''}
        </div>
        <div className="muted">
          {filters.states?.join(', ')} · confidence ≥ {filters.minConfidence}
          {s.includeFeatures ? ' · features' : ''}
          {s.includeEmbeddings ? ' · embeddings' : ''}
        </div>
      </td>
      <td>
        <span className={s.status === 'failed' ? 'error' : 'badge'} data-testid="snapshot-status">
          {s.status}
        </span>
        {s.status === 'building' && (
          <div
            className="progress"
            role="progressbar"
            aria-label={`Building ${s.name} v${s.version}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(progress * 100)}
            title={s.job?.message}
          >
            <div style={{ width: `${Math.round(progress * 100)}%` }} />
          </div>
        )}
        {s.status === 'building' && <div className="muted">{s.job ? s.job.message || s.job.state : 'queued'}</div>}
        {s.status === 'failed' && <div className="error">{s.error ?? s.job?.error ?? 'failed'}</div>}
      </td>
      <td>
        {s.counts ? (
          <>
            <strong>{s.counts.rows.toLocaleString()}</strong>
            {s.counts.rows === 0 && (
              <div className="error" data-testid="snapshot-empty">
                empty: no clip passed the filters
              </div>
            )}
            <div className="muted">{SPLITS.map((sp) => `${sp} ${s.counts!.per_split[sp] ?? 0}`).join(' · ')}</div>
            <div className="muted">expert-resolved {s.counts.expert_resolved}</div>
            <details>
              <summary>Per tag</summary>
              <ul style={{ margin: 0, paddingLeft: '1.2rem' }}>
                {Object.entries(s.counts.per_tag).map(([tag, n]) => (
                  <li key={tag}>
                    {tag}: {n}
                  </li>
                ))}
              </ul>
            </details>
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        {s.status === 'ready' ? (
          <div className="stack" style={{ gap: 4 }}>
            <div className="row" style={{ gap: 8, flexWrap: 'wrap' }}>
              <a href={fileUrl(s.id, 'manifest.json')} download data-testid="snapshot-file" data-path="manifest.json">
                manifest.json
              </a>
              <a href={fileUrl(s.id, 'README.md')} download data-testid="snapshot-file" data-path="README.md">
                README.md (datasheet)
              </a>
            </div>
            {[...byFormat]
              .filter(([, files]) => files.length > 0)
              .map(([format, files]) => (
                <div key={format}>
                  <span className="badge">{format}</span>{' '}
                  {files.map((f) => (
                    <a
                      key={f.path}
                      href={fileUrl(s.id, f.path)}
                      download
                      data-testid="snapshot-file"
                      data-path={f.path}
                      title={`sha256 ${f.sha256}`}
                      style={{ marginRight: 8 }}
                    >
                      {f.split ?? f.path}{' '}
                      <span className="muted">
                        ({f.rows ?? 0} rows, {bytes(f.bytes)})
                      </span>
                    </a>
                  ))}
                </div>
              ))}
            <code className="muted" style={{ fontSize: '0.8em' }}>
              curl -OJ -H &apos;Authorization: Bearer …&apos; {fileUrl(s.id, example?.path ?? 'manifest.json')}
            </code>
          </div>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
