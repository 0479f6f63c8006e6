'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import type { KpiResponse } from '@/lib/recommend/schemas';
import { TableRegion } from './table-view';

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
const num = (x: number | null, digits = 1) => (x === null ? '—' : x.toFixed(digits));

/** Listener KPIs per embedding version, for engineers comparing a new model's embeddings with the last. */
export function ListenKpis() {
  const [days, setDays] = useState(30);
  const { data, error, isLoading } = useQuery({
    queryKey: ['listen-kpis', days],
    queryFn: () => apiFetch<KpiResponse>(`/api/listen/kpis?days=${days}`),
    refetchInterval: 15_000,
  });
  return (
    <section className="panel stack" data-testid="listen-kpis">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h3 id="listen-kpis-heading" style={{ margin: 0 }}>Recommender KPIs by embedding version</h3>
        <label className="row" style={{ gap: '0.4rem' }}>
          last
          <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {[1, 7, 30, 90].map((d) => (
              <option key={d} value={d}>
                {d} {d === 1 ? 'day' : 'days'}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error ? <p className="error">{error instanceof Error ? error.message : String(error)}</p> : null}
      {isLoading ? <p className="muted">Loading…</p> : null}
      {data && data.versions.length === 0 ? <p className="muted">No listener feedback in this window yet: plays, likes and skips on <a href="/listen">/listen</a> (or through the recommender API) appear here, per embedding version.</p> : null}
      {data && data.versions.length > 0 ? (
        <TableRegion labelledBy="listen-kpis-heading">
          <table>
            <thead>
              <tr>
                <th>version</th>
                <th>source</th>
                <th>sessions</th>
                <th>tracks</th>
                <th>skip rate</th>
                <th>like rate</th>
                <th>dislikes</th>
                <th>tracks / session</th>
                <th>minutes / session</th>
              </tr>
            </thead>
            <tbody>
              {data.versions.map((v) => (
                <tr key={v.embeddingVersion ?? 'none'}>
                  <td>{v.embeddingVersion ?? '—'}</td>
                  <td>{v.source ?? '—'}</td>
                  <td>{v.sessions}</td>
                  <td>{v.tracks}</td>
                  <td>{pct(v.skipRate)}</td>
                  <td>{pct(v.likeRate)}</td>
                  <td>{v.dislikes}</td>
                  <td>{num(v.meanSessionTracks)}</td>
                  <td>{num(v.meanSessionMinutes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      ) : null}
    </section>
  );
}
