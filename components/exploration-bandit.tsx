'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import { ScrollTable } from './table-view';
import type { ExplorationOverview } from '@/lib/recommend/exploration';

const fixed = (x: number, digits = 3) => x.toFixed(digits);

/**
 * The recommender's exploration bandit (issue 20, item 3): the switch, and per ranking arm its
 * listener reactions, Beta posterior of the like rate (mean ± sd) and P(best) — the share of new
 * sessions Thompson sampling now gives it. Sessions of a running experiment or canary are never
 * explored, so the panel says so beside the switch.
 */
export function ExplorationBandit() {
  const overview = useQuery({
    queryKey: ['exploration'],
    queryFn: () => apiFetch<ExplorationOverview>('/api/models/exploration'),
    refetchInterval: 10_000,
  });
  // The box follows the click at once; a refused change puts it back to what the server says.
  const [chosen, setChosen] = useState<boolean | null>(null);
  const toggle = useMutation({
    mutationFn: (enabled: boolean) =>
      apiFetch<ExplorationOverview>('/api/models/exploration', { method: 'PATCH', body: JSON.stringify({ enabled }) }),
    onSuccess: async () => {
      await overview.refetch();
      setChosen(null);
    },
    onError: () => setChosen(null),
  });
  const data = overview.data;
  const error = overview.error ?? toggle.error;
  return (
    <section className="panel stack" data-testid="exploration-bandit">
      <h2 id="exploration-heading" style={{ margin: 0 }}>Exploration (Thompson sampling over ranking settings)</h2>
      {error ? <p className="error">{error instanceof Error ? error.message : String(error)}</p> : null}
      <label>
        <input
          type="checkbox"
          name="exploration"
          checked={chosen ?? data?.enabled ?? false}
          disabled={!data || toggle.isPending}
          onChange={(e) => {
            setChosen(e.target.checked);
            toggle.mutate(e.target.checked);
          }}
        />{' '}
        Explore: give each new personalised listener session one of these settings and learn from its likes and skips
        (never in a running A/B experiment or canary)
      </label>
      {data ? (
        <ScrollTable testId="exploration-arms" labelledBy="exploration-heading" head={<>
              <th>arm</th>
              <th>λ</th>
              <th>per artist</th>
              <th>likes</th>
              <th>skips + dislikes</th>
              <th>posterior</th>
              <th>like rate (mean ± sd)</th>
              <th>P(best)</th>
            </>}>
            {data.arms.map((a) => (
              <tr key={a.key}>
                <td>
                  {a.key}
                  {a.key === data.greedy ? <span className="muted"> (best so far)</span> : null}
                </td>
                <td>{a.lambda}</td>
                <td>{a.maxPerArtist}</td>
                <td>{a.likes}</td>
                <td>{a.rejections}</td>
                <td>
                  Beta({a.alpha}, {a.beta})
                </td>
                <td>
                  {fixed(a.mean)} ± {fixed(a.sd)}
                </td>
                <td>{fixed(a.pBest, 2)}</td>
              </tr>
            ))}
          </ScrollTable>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </section>
  );
}
