import type { ReliabilityRow } from '@/lib/crowd/schemas';

const pct = (x: number) => `${Math.round(x * 100)}%`;

/** Annotators, least reliable first: reliability ± its standard deviation, gold record, vote weight and spam flags. */
export function CrowdReliabilityTable({ workers, total }: { workers: readonly ReliabilityRow[]; total: number }) {
  if (workers.length === 0) return <p className="muted">No reliabilities yet: they appear after the first full EM run.</p>;
  return (
    <>
      <table data-testid="crowd-reliability">
        <thead>
          <tr>
            <th>Annotator</th>
            <th title="Balanced accuracy (sensitivity + specificity) / 2, averaged over tags; 50% = guessing">Reliability</th>
            <th title="Sensitivity / specificity averaged over tags">Se / Sp</th>
            <th>Votes</th>
            <th title="Gold clips answered right (every tag the gold fixes)">Gold</th>
            <th title="Multiplier of this annotator's votes in aggregation">Weight</th>
            <th>Flags</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((w) => (
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
        </tbody>
      </table>
      {total > workers.length && (
        <p className="muted">
          Showing {workers.length} of {total} (least reliable first); the full list is at <code>/api/crowd/reliability</code>.
        </p>
      )}
    </>
  );
}
