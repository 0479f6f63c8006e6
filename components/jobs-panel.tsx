'use client';

import { useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/client/api';
import { SortHeader, TablePager, TableSearch, useTableView, ScrollTable } from './table-view';

interface JobView {
  jobId: string;
  name: string;
  state: string;
  progress: number;
  message: string;
  attempts: number;
  error: string | null;
  updatedAt: string;
}

/** A queued job that already ran (its worker died or it failed) is waiting for its retry. */
function shownState(j: JobView): string {
  return j.state === 'queued' && j.attempts > 0 ? 'retrying' : j.state;
}

interface RoutineView {
  name: string;
  runs: number;
  lastAt: string;
}

const JOB_COLUMNS = {
  name: { value: (j: JobView) => j.name },
  state: { value: (j: JobView) => shownState(j) },
  attempts: { value: (j: JobView) => j.attempts, first: 'desc' as const },
  updated: { value: (j: JobView) => j.updatedAt, first: 'desc' as const },
};
const PAGE = 15;

/**
 * Background jobs with live progress (polled every two seconds while any is running). The
 * scheduled runs that finished without trouble (the vote drain, lease reaper … every minute) are
 * one collapsed line per job, so uploads, retrains and snapshot builds stay in view.
 */
export function JobsPanel() {
  const jobs = useQuery({
    queryKey: ['jobs', 'hide-routine'],
    queryFn: () => apiFetch<{ jobs: JobView[]; routine: RoutineView[] }>('/api/jobs?hideRoutine=1'),
    refetchInterval: (q) => (q.state.data?.jobs.some((j) => j.state === 'active' || j.state === 'queued') ? 2000 : 10000),
  });
  const list = jobs.data?.jobs ?? [];
  const routine = jobs.data?.routine ?? [];
  const view = useTableView(list, {
    columns: JOB_COLUMNS,
    initialSort: 'updated',
    text: (j) => `${j.name} ${shownState(j)}`,
    pageSize: PAGE,
  });
  return (
    <section className="panel stack" data-testid="jobs-panel">
      <h2 id="jobs-heading" style={{ margin: 0 }}>
        Background jobs
      </h2>
      {list.length === 0 ? (
        <p className="muted">
          No jobs yet: feature extraction after an upload, retrains and snapshot builds run here, with their progress.
        </p>
      ) : (
        <>
          <div className="row">
            <TableSearch view={view} label="Find" placeholder="job name or state" />
          </div>
          <ScrollTable
            labelledBy="jobs-heading"
            testId="jobs-table"
            head={
              <>
                <SortHeader view={view} column="name">
                  Job
                </SortHeader>
                <SortHeader view={view} column="state">
                  State
                </SortHeader>
                <th style={{ width: '30%' }}>Progress</th>
                <SortHeader view={view} column="attempts">
                  Attempts
                </SortHeader>
                <SortHeader view={view} column="updated">
                  Updated
                </SortHeader>
              </>
            }
          >
            {view.rows.map((j) => (
              <tr key={j.jobId}>
                <td>{j.name}</td>
                <td>
                  <span className={j.state === 'failed' ? 'error' : 'badge'}>{shownState(j)}</span>
                </td>
                <td>
                  <div className="progress" title={j.message}>
                    <div style={{ width: `${Math.round(j.progress * 100)}%` }} />
                  </div>
                  <span className="muted">{j.error ?? j.message}</span>
                </td>
                <td>{j.attempts}</td>
                <td className="muted">{new Date(j.updatedAt).toLocaleTimeString()}</td>
              </tr>
            ))}
          </ScrollTable>
          <TablePager view={view} noun="jobs" pageSize={PAGE} />
        </>
      )}
      {routine.length > 0 && (
        <details data-testid="routine-jobs">
          <summary className="muted">
            Routine scheduled runs in the last hour: {routine.reduce((n, r) => n + r.runs, 0)}, all finished without trouble (a
            failed or retrying one is listed above)
          </summary>
          <ul style={{ margin: '0.4rem 0 0', paddingLeft: '1.2rem' }}>
            {routine.map((r) => (
              <li key={r.name}>
                <code>{r.name}</code> — {r.runs} run{r.runs === 1 ? '' : 's'}, last at {new Date(r.lastAt).toLocaleTimeString()}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
