'use client';

import { useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/client/api';

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

/** Background jobs with live progress (polled every two seconds while any is running). */
export function JobsPanel() {
  const jobs = useQuery({
    queryKey: ['jobs'],
    queryFn: () => apiFetch<{ jobs: JobView[] }>('/api/jobs'),
    refetchInterval: (q) => (q.state.data?.jobs.some((j) => j.state === 'active' || j.state === 'queued') ? 2000 : 10000),
  });
  const list = jobs.data?.jobs ?? [];
  return (
    <section className="panel stack" data-testid="jobs-panel">
      <h2 style={{ margin: 0 }}>Background jobs</h2>
      {list.length === 0 ? (
        <p className="muted">No jobs yet: feature extraction after an upload, retrains and snapshot builds run here, with their progress.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Job</th>
              <th>State</th>
              <th style={{ width: '30%' }}>Progress</th>
              <th>Attempts</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {list.map((j) => (
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
          </tbody>
        </table>
      )}
    </section>
  );
}
