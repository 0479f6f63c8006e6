'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';

interface JobView {
  jobId: string;
  state: string;
  progress: number;
  message: string;
  error: string | null;
}

/** Queues a full EM run of the crowd aggregator and refreshes the page when it is done. */
export function CrowdAggregateButton() {
  const router = useRouter();
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run() {
    setBusy(true);
    setStatus('Queueing…');
    try {
      const { jobId } = await apiFetch<{ jobId: string | null }>('/api/crowd/aggregate', { method: 'POST', body: '{}' });
      if (!jobId) {
        setStatus('Done.');
        router.refresh();
        return;
      }
      for (let i = 0; i < 300; i++) {
        const { jobs } = await apiFetch<{ jobs: JobView[] }>('/api/jobs');
        const job = jobs.find((j) => j.jobId === jobId);
        if (job?.state === 'completed') {
          setStatus('Done.');
          router.refresh();
          return;
        }
        if (job?.state === 'failed') {
          setStatus(`Failed: ${job.error ?? 'unknown error'}`);
          return;
        }
        setStatus(job ? `${job.state} ${Math.round(job.progress * 100)}% ${job.message}` : 'Queued…');
        await new Promise((r) => setTimeout(r, 1000));
      }
    } catch (err) {
      setStatus(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="row">
      <button type="button" onClick={run} disabled={busy} data-testid="run-em">
        Re-run EM now
      </button>
      {status && (
        <span className="muted" role="status">
          {status}
        </span>
      )}
    </span>
  );
}
