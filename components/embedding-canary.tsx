'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import { signedPoints } from '@/lib/util/format';
import type { Canary, CanaryReport, PushableModel, ReadyVersion } from '@/lib/recommend/canary';
import { DecimalField } from './decimal-field';
import { TableRegion } from './table-view';

/** Dates arrive as strings: what the JSON of /api/models/canary holds. */
type Json<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] extends object ? Json<T[K]> : T[K];
};
interface Overview {
  running: Json<CanaryReport> | null;
  recent: Json<Canary>[];
  readyVersions: Json<ReadyVersion>[];
  pushableModels: PushableModel[];
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);

/**
 * Canary rollout of an embedding version: start one for a ready version, watch its arms (like and
 * skip rate per session, the difference with its always-valid interval and p-value, the decision
 * so far), stop it. The canary-check job promotes or rolls back on its own.
 */
export function EmbeddingCanary() {
  const [form, setForm] = useState({ canaryVersion: '', share: '0.1', margin: '0.02', minSessions: '200' });
  const overview = useQuery({
    queryKey: ['canary'],
    queryFn: () => apiFetch<Overview>('/api/models/canary'),
    refetchInterval: 10_000,
  });
  const start = useMutation({
    mutationFn: () =>
      apiFetch('/api/models/canary', {
        method: 'POST',
        body: JSON.stringify({
          canaryVersion: Number(form.canaryVersion),
          share: Number(form.share),
          margin: Number(form.margin),
          minSessions: Number(form.minSessions),
        }),
      }),
    onSuccess: () => void overview.refetch(),
  });
  const [pushModel, setPushModel] = useState('');
  const push = useMutation({
    mutationFn: (modelId: number) =>
      apiFetch<{ embeddingVersion: number }>(`/api/models/${modelId}/embeddings`, {
        method: 'POST',
        body: JSON.stringify({ activate: false }),
      }),
    onSuccess: (out) => {
      setForm((f) => ({ ...f, canaryVersion: String(out.embeddingVersion) }));
      void overview.refetch();
    },
  });
  const copy = useMutation({
    mutationFn: () =>
      apiFetch<{ embeddingVersion: number }>('/api/models/embeddings/copy-active', { method: 'POST', body: '{}' }),
    onSuccess: (out) => {
      setForm((f) => ({ ...f, canaryVersion: String(out.embeddingVersion) }));
      void overview.refetch();
    },
  });
  const stop = useMutation({
    mutationFn: (id: number) => apiFetch(`/api/models/canary/${id}/stop`, { method: 'POST', body: '{}' }),
    onSuccess: () => void overview.refetch(),
  });
  const running = overview.data?.running ?? null;
  const error = overview.error ?? start.error ?? stop.error ?? push.error ?? copy.error;
  const ready = overview.data?.readyVersions ?? [];
  const models = overview.data?.pushableModels ?? [];
  const modelToPush = pushModel || (models[0] ? String(models[0].id) : '');
  return (
    <section className="panel stack" data-testid="embedding-canary">
      <h2 style={{ margin: 0 }}>Canary rollout of an embedding version</h2>
      {error ? <p className="error">{error instanceof Error ? error.message : String(error)}</p> : null}
      {running ? (
        <>
          <p style={{ margin: 0 }}>
            Version <strong>{running.canary.canaryVersion}</strong> serves {pct(running.canary.share)} of new sessions against
            version {running.canary.controlVersion}; promoted when not worse than −{pct(running.canary.margin)} like rate after{' '}
            {running.canary.minSessions} sessions per arm, rolled back when worse.{' '}
            <button
              type="button"
              data-testid="canary-stop"
              disabled={stop.isPending}
              onClick={() => stop.mutate(running.canary.id)}
            >
              Stop
            </button>
          </p>
          <TableRegion label="Arms of the running canary">
            <table>
              <thead>
                <tr>
                  <th>arm</th>
                  <th>version</th>
                  <th>sessions</th>
                  <th>like rate</th>
                  <th>skip rate</th>
                </tr>
              </thead>
              <tbody>
                {(
                  [
                    ['control', running.control],
                    ['canary', running.treatment],
                  ] as const
                ).map(([name, arm]) => (
                  <tr key={name}>
                    <td>{name}</td>
                    <td>{arm.version}</td>
                    <td>{arm.sessions}</td>
                    <td>{pct(arm.likeRate)}</td>
                    <td>{pct(arm.skipRate)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableRegion>
          <p style={{ margin: 0 }} data-testid="canary-result">
            Like rate difference {signedPoints(running.result.difference)} (always-valid 95 % interval{' '}
            {signedPoints(running.result.lower)} to {signedPoints(running.result.upper)}), p = {running.result.pValue.toFixed(3)}.
            Decision so far: <strong>{running.decision.action}</strong> — {running.decision.reason}.
          </p>
        </>
      ) : (
        <>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (modelToPush) push.mutate(Number(modelToPush));
            }}
          >
            <span>
              {ready.length === 0
                ? 'No ready embedding version yet.'
                : `${ready.length} ready version${ready.length === 1 ? '' : 's'}.`}{' '}
              Build one from a model&apos;s embeddings without switching to it:
            </span>
            <label className="row" style={{ gap: '0.3rem' }}>
              model
              <select name="pushModel" value={modelToPush} onChange={(e) => setPushModel(e.target.value)}>
                {models.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.id} ({m.status})
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" data-testid="canary-push" disabled={push.isPending || !modelToPush}>
              {push.isPending ? 'Building…' : 'Build ready version'}
            </button>
            <button type="button" data-testid="canary-copy" disabled={copy.isPending} onClick={() => copy.mutate()}>
              Copy the active version (A/A check)
            </button>
          </form>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              start.mutate();
            }}
          >
            <label className="row" style={{ gap: '0.3rem' }}>
              ready version
              <select
                name="canaryVersion"
                value={form.canaryVersion}
                onChange={(e) => setForm({ ...form, canaryVersion: e.target.value })}
              >
                <option value="">—</option>
                {ready.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.id} ({v.source}, {v.count} clips)
                  </option>
                ))}
              </select>
            </label>
            {(
              [
                ['share', 'share'],
                ['margin', 'margin'],
                ['minSessions', 'min sessions'],
              ] as const
            ).map(([key, label]) => (
              <DecimalField
                key={key}
                name={key}
                label={label}
                value={form[key]}
                onChange={(v) => setForm({ ...form, [key]: v })}
              />
            ))}
            <button type="submit" data-testid="canary-start" disabled={start.isPending || form.canaryVersion === ''}>
              Start canary
            </button>
          </form>
        </>
      )}
      {overview.data && overview.data.recent.length > 0 ? (
        <TableRegion label="Recent canary rollouts">
          <table>
            <thead>
              <tr>
                <th>canary</th>
                <th>version vs control</th>
                <th>status</th>
                <th>reason</th>
              </tr>
            </thead>
            <tbody>
              {overview.data.recent.map((c) => (
                <tr key={c.id}>
                  <td>{c.id}</td>
                  <td>
                    {c.canaryVersion} vs {c.controlVersion}
                  </td>
                  <td>{c.status}</td>
                  <td>{c.reason ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      ) : null}
    </section>
  );
}
