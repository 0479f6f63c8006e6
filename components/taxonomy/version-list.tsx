'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import { type TaxonomyAdminView, type TaxonomyMappingView } from '@/lib/taxonomy/schemas';
import { own } from '@/lib/util/dict';
import { TagName } from './words';
import { ScrollTable, TableRegion } from '../table-view';

/** Every taxonomy version with its votes, and what an older version's tags became in a newer one. */
export function VersionList({ view }: { view: TaxonomyAdminView }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <div className="stack">
      <h3 style={{ margin: 0 }} id="taxonomy-versions-heading">
        Versions
      </h3>
      <ScrollTable
        labelledBy="taxonomy-versions-heading"
        head={
          <>
            <th>Version</th>
            <th>Note</th>
            <th>Tags</th>
            <th>Votes</th>
            <th>Expert decisions</th>
            <th>Created</th>
            <th />
          </>
        }
      >
        {view.versions.map((v) => (
          <tr key={v.version}>
            <td>
              v{v.version} {v.isActive && <span className="badge">active</span>}
            </td>
            <td>{v.note || <span className="muted">—</span>}</td>
            <td>{v.tagCount}</td>
            <td>{v.voteCount}</td>
            <td>{v.decisionCount}</td>
            <td>
              {v.createdAt.slice(0, 16).replace('T', ' ')} UTC
              {v.createdBy && <span className="muted"> by {v.createdBy.name}</span>}
            </td>
            <td>
              {!v.isActive && (
                <button type="button" className="secondary" onClick={() => setOpen(open === v.version ? null : v.version)}>
                  {open === v.version ? 'Hide mapping' : `Mapping → v${view.active.version}`}
                </button>
              )}
            </td>
          </tr>
        ))}
      </ScrollTable>
      {open !== null && <MappingView from={open} to={view.active.version} />}
    </div>
  );
}

export function MappingView({ from, to }: { from: number; to: number }) {
  const mapping = useQuery({
    queryKey: ['taxonomy-mapping', from, to],
    queryFn: () => apiFetch<TaxonomyMappingView>(`/api/admin/taxonomy/${from}/mapping?to=${to}`),
  });
  if (mapping.isPending) return <p className="muted">Loading the mapping…</p>;
  if (mapping.isError) return <p className="error">{mapping.error.message}</p>;
  const labels = new Map(mapping.data.to.tags.map((t) => [t.key, t]));
  return (
    <TableRegion label={`Mapping from v${from} to v${to}`}>
      <table aria-label={`Mapping from v${from} to v${to}`}>
        <thead>
          <tr>
            <th>v{from}</th>
            <th>v{to}</th>
          </tr>
        </thead>
        <tbody>
          {mapping.data.from.tags.map((t) => {
            const targets = own(mapping.data.mapping, t.key) ?? [];
            return (
              <tr key={t.key}>
                <td>
                  <TagName tag={t} />
                </td>
                <td>
                  {targets.length === 0 ? (
                    <span className="muted">dropped</span>
                  ) : (
                    targets.map((k, j) => (
                      <span key={k}>
                        {j > 0 && ', '}
                        <TagName tag={labels.get(k) ?? { key: k, label: '', description: '' }} />
                      </span>
                    ))
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableRegion>
  );
}
