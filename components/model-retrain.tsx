'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { apiFetch } from '@/lib/client/api';
import { TableRegion } from './table-view';

interface JobView {
  jobId: string;
  name: string;
  state: string;
  progress: number;
  message: string;
  error: string | null;
  updatedAt: string;
}

const MODEL_JOBS = new Set(['retrain', 'rescore']);

/**
 * "Retrain now" and the progress of retrain / rescore jobs (polled every second while one
 * runs); the page's server data is refreshed when a job finishes.
 */
export function ModelRetrain() {
  const router = useRouter();
  const [queued, setQueued] = useState<string | null>(null);
  const jobs = useQuery({
    queryKey: ['jobs', 'models'],
    queryFn: () => apiFetch<{ jobs: JobView[] }>('/api/jobs'),
    refetchInterval: (q) =>
      q.state.data?.jobs.some((j) => MODEL_JOBS.has(j.name) && (j.state === 'active' || j.state === 'queued')) || queued
        ? 1000
        : 10000,
  });
  const list = (jobs.data?.jobs ?? []).filter((j) => MODEL_JOBS.has(j.name)).slice(0, 4);
  const running = list.some((j) => j.state === 'active' || j.state === 'queued');
  const wasRunning = useRef(false);
  useEffect(() => {
    if (wasRunning.current && !running) {
      setQueued(null);
      router.refresh();
    }
    wasRunning.current = running;
  }, [running, router]);
  const retrain = useMutation({
    mutationFn: () => apiFetch<{ jobId: string }>('/api/models/retrain', { method: 'POST', body: '{}' }),
    onSuccess: (r) => {
      setQueued(r.jobId);
      void jobs.refetch();
    },
  });
  return (
    <section className="panel stack" data-testid="retrain-panel">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="retrain-heading" style={{ margin: 0 }}>
          Retraining
        </h2>
        <button type="button" data-testid="retrain" disabled={retrain.isPending || running} onClick={() => retrain.mutate()}>
          {running ? 'Retraining…' : 'Retrain now'}
        </button>
      </div>
      <p className="muted" style={{ margin: 0 }}>
        Trains on the crowd&apos;s labels, registers the model, promotes it only if it beats the active one on the same held-out
        clips, then rescores every clip and pushes new embeddings. It also runs by itself after the configured number of new
        labels and on the schedule.
      </p>
      {retrain.error && <p className="error">{retrain.error.message}</p>}
      {list.length > 0 && (
        <TableRegion labelledBy="retrain-heading">
          <table>
            <tbody>
              {list.map((j) => (
                <tr key={j.jobId} data-testid={`job-${j.name}`} data-state={j.state}>
                  <td style={{ width: '7rem' }}>{j.name}</td>
                  <td style={{ width: '6rem' }}>
                    <span className={j.state === 'failed' ? 'error' : 'badge'}>{j.state}</span>
                  </td>
                  <td>
                    <div className="progress" title={j.message}>
                      <div style={{ width: `${Math.round(j.progress * 100)}%` }} />
                    </div>
                    <span className="muted">{j.error ?? j.message}</span>
                  </td>
                  <td className="muted" style={{ width: '6rem' }}>
                    {new Date(j.updatedAt).toLocaleTimeString()}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </section>
  );
}
