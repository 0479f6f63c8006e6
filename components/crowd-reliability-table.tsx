'use client';

import type { AnnotatorSummary } from '@/lib/crowd/dashboard';
import type { ReliabilityRow } from '@/lib/crowd/schemas';
import { SortHeader, TablePager, TableSearch, useTableView, ScrollTable } from './table-view';

const pct = (x: number) => `${Math.round(x * 100)}%`;
const PAGE = 25;

/**
 * Annotators, least reliable first: reliability ± its standard deviation, agreement with the rest
 * of the crowd, median answer time, gold record, vote weight and spam flags. Searched, sorted and
 * paged in the browser like the other tables (issue 14, item 5): the page sends at most 100 rows.
 */
export function CrowdReliabilityTable({
  workers,
  total,
  annotators = {},
}: {
  workers: ReliabilityRow[];
  total: number;
  annotators?: Readonly<Record<string, AnnotatorSummary>>;
}) {
  const view = useTableView(workers, {
    columns: {
      name: { value: (w: ReliabilityRow) => w.name ?? w.userId },
      reliability: { value: (w: ReliabilityRow) => w.reliability },
      kappa: { value: (w: ReliabilityRow) => annotators[w.userId]?.kappa ?? null },
      time: { value: (w: ReliabilityRow) => annotators[w.userId]?.medianAnswerS ?? null },
      votes: { value: (w: ReliabilityRow) => w.votes, first: 'desc' },
      gold: { value: (w: ReliabilityRow) => w.goldAccuracy },
      weight: { value: (w: ReliabilityRow) => w.weight },
      flags: { value: (w: ReliabilityRow) => w.flags.length, first: 'desc' },
    },
    initialSort: 'reliability',
    // Flags are searchable as written ("too fast"), so "fast" finds the quick clickers.
    text: (w) =>
      `${w.name ?? ''} ${w.email ?? ''} ${w.external ? 'imported' : w.role} ${w.status} ${w.flags.join(' ').replace(/_/g, ' ')}`,
    pageSize: PAGE,
  });
  if (workers.length === 0) return <p className="muted">No reliabilities yet: they appear after the first full EM run.</p>;
  return (
    <>
      <div className="row">
        <TableSearch view={view} label="Find" placeholder="name, role, status or flag" />
      </div>
      <ScrollTable
        label="Annotator reliability"
        testId="crowd-reliability"
        head={
          <>
            <SortHeader view={view} column="name">
              Annotator
            </SortHeader>
            <SortHeader
              view={view}
              column="reliability"
              title="Balanced accuracy (sensitivity + specificity) / 2, averaged over tags; 50% = guessing"
            >
              Reliability
            </SortHeader>
            <th title="Sensitivity / specificity averaged over tags">Se / Sp</th>
            <SortHeader
              view={view}
              column="kappa"
              title="Fleiss' kappa of this annotator against the other raters of the same clips (each tag a yes/no question); 0 = chance"
            >
              Agreement κ
            </SortHeader>
            <SortHeader view={view} column="time" title="Median seconds from the clip on screen to the answer">
              Median time
            </SortHeader>
            <SortHeader view={view} column="votes">
              Votes
            </SortHeader>
            <SortHeader view={view} column="gold" title="Gold clips answered right (every tag the gold fixes)">
              Gold
            </SortHeader>
            <SortHeader view={view} column="weight" title="Multiplier of this annotator's votes in aggregation">
              Weight
            </SortHeader>
            <SortHeader view={view} column="flags">
              Flags
            </SortHeader>
          </>
        }
      >
        {view.rows.map((w) => (
          <tr key={w.userId} data-user-id={w.userId}>
            <td>
              {w.name ?? <code>{w.userId.slice(0, 8)}</code>}
              <div className="muted" style={{ fontSize: '0.8em' }}>
                {w.external ? 'imported' : w.role}
                {w.status !== 'active' && !w.external ? ` · ${w.status}` : ''}
              </div>
            </td>
            <td>
              <span className={w.reliability < 0.6 ? 'error' : undefined}>{pct(w.reliability)}</span>
              <span className="muted"> ± {pct(w.uncertainty)}</span>
              <div className="progress" style={{ cursor: 'default', marginTop: 4 }} aria-hidden="true">
                <div style={{ width: pct(Math.max(0, Math.min(1, w.reliability))) }} />
              </div>
            </td>
            <td className="muted">
              {pct(w.sensitivity)} / {pct(w.specificity)}
            </td>
            <td data-testid="annotator-kappa">
              {annotators[w.userId]?.kappa == null ? (
                <span className="muted">—</span>
              ) : (
                <>
                  <span className={annotators[w.userId].kappa! < 0.2 ? 'error' : undefined}>
                    {annotators[w.userId].kappa!.toFixed(2)}
                  </span>
                  <div className="muted" style={{ fontSize: '0.8em' }}>
                    {pct(annotators[w.userId].observedAgreement ?? 0)} agree · {annotators[w.userId].sharedClips} clips
                  </div>
                </>
              )}
            </td>
            <td data-testid="annotator-median-time">
              {annotators[w.userId]?.medianAnswerS == null ? (
                <span className="muted">—</span>
              ) : (
                `${annotators[w.userId].medianAnswerS!.toFixed(1)} s`
              )}
            </td>
            <td>{w.votes}</td>
            <td>
              {w.goldAccuracy === null ? (
                <span className="muted">—</span>
              ) : (
                `${pct(w.goldAccuracy)} (${w.goldCorrect}/${w.goldTotal} tag checks)`
              )}
            </td>
            <td>{w.weight.toFixed(2)}</td>
            <td>
              {w.flags.length === 0 ? (
                <span className="muted">—</span>
              ) : (
                <span className="row" style={{ gap: '0.3rem' }}>
                  {w.flags.map((f) => (
                    <span key={f} className="badge" style={{ color: 'var(--warn)' }}>
                      {f.replace(/_/g, ' ')}
                    </span>
                  ))}
                </span>
              )}
            </td>
          </tr>
        ))}
      </ScrollTable>
      <TablePager view={view} noun="annotators" pageSize={PAGE} testId="reliability-pager" />
      {total > workers.length && (
        <p className="muted">
          This page holds the {workers.length} least reliable of {total}; the full list is at <code>/api/crowd/reliability</code>.
        </p>
      )}
    </>
  );
}
