'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import type { GoldClipView, GoldPromoteResult, PromotableClip } from '@/lib/gold/schemas';
import { ScrollTable } from './table-view';

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);

/**
 * The expert's gold list (/review/gold): every gold clip with its answer and use, a remove button
 * each, and the expert-resolved clips that can be promoted to gold — chosen ones or all at once.
 */
export function GoldManager({
  gold,
  promotable,
  labels,
}: {
  gold: GoldClipView[];
  promotable: PromotableClip[];
  labels: Record<string, string>;
}) {
  const router = useRouter();
  const [chosen, setChosen] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const names = (keys: readonly string[]) => keys.map((k) => labels[k] ?? k).join(', ') || '—';

  const run = async (work: () => Promise<string | null>) => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage(await work());
      setChosen([]);
      router.refresh();
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const promote = (clipIds?: string[]) =>
    run(async () => {
      const result = await apiFetch<GoldPromoteResult>('/api/gold/promote', {
        method: 'POST',
        body: JSON.stringify(clipIds ? { clipIds } : {}),
      });
      const refused = result.refused.length > 0 ? ` ${result.refused.length} could not be: ${result.refused[0].reason}.` : '';
      return `Promoted ${result.promoted.length} clip${result.promoted.length === 1 ? '' : 's'} to gold.${refused}`;
    });
  const remove = (clip: GoldClipView) =>
    run(async () => {
      await apiFetch(`/api/gold/${clip.clipId}`, { method: 'DELETE' });
      return `“${clip.title}” is no longer gold.`;
    });

  return (
    <div className="stack">
      {message && (
        <p role="status" className="muted" data-testid="gold-message">
          {message}
        </p>
      )}
      <section className="panel stack" data-testid="gold-promotable">
        <h2 id="gold-promotable-heading" style={{ margin: 0 }}>
          Promote expert-resolved clips
        </h2>
        {promotable.length === 0 ? (
          <p className="muted" style={{ margin: 0 }}>
            No expert-resolved clip is waiting: each decision naming at least one mood under the current taxonomy can become gold.
          </p>
        ) : (
          <>
            <p className="muted" style={{ margin: 0 }}>
              The expert decision becomes the gold answer, with nothing tolerated; add tolerated moods from the review screen
              later.
            </p>
            <ScrollTable
              labelledBy="gold-promotable-heading"
              head={
                <>
                  <th aria-label="Choose" />
                  <th>Clip</th>
                  <th>Decided moods</th>
                  <th>Decided</th>
                </>
              }
            >
              {promotable.map((c) => (
                <tr key={c.clipId}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Choose ${c.title}`}
                      checked={chosen.includes(c.clipId)}
                      onChange={(e) =>
                        setChosen((s) => (e.target.checked ? [...s, c.clipId] : s.filter((id) => id !== c.clipId)))
                      }
                    />
                  </td>
                  <td>
                    {c.title}
                    <div className="muted">{c.artist}</div>
                  </td>
                  <td>{names(c.tags)}</td>
                  <td className="muted">{new Date(c.decidedAt).toLocaleDateString()}</td>
                </tr>
              ))}
            </ScrollTable>
            <div className="row">
              <button type="button" onClick={() => void promote(chosen)} disabled={busy || chosen.length === 0}>
                Promote {chosen.length || ''} chosen
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => void promote()}
                disabled={busy}
                data-testid="gold-promote-all"
              >
                Promote all
              </button>
            </div>
          </>
        )}
      </section>

      <section className="panel stack">
        <h2 id="gold-clips-heading" style={{ margin: 0 }}>
          Gold clips
        </h2>
        {gold.length === 0 ? (
          <p className="muted" style={{ margin: 0 }}>
            No gold clips yet. Make one from the review screen, promote expert-resolved clips above, or import a CSV with{' '}
            <code>chorus gold import</code>.
          </p>
        ) : (
          <ScrollTable
            labelledBy="gold-clips-heading"
            testId="gold-list"
            head={
              <>
                <th>Clip</th>
                <th title="Moods the crowd must say yes to">Required</th>
                <th title="Moods that may go either way">Tolerated</th>
                <th title="Times the crowd queue served it">Served</th>
                <th title="Answers that matched the gold, of all answers">Right</th>
                <th />
              </>
            }
          >
            {gold.map((g) => (
              <tr key={g.clipId} data-clip-id={g.clipId}>
                <td>
                  {g.title}
                  <div className="muted">
                    {g.artist}
                    {g.createdBy ? ` · by ${g.createdBy}` : ''}
                  </div>
                </td>
                <td>{names(g.tags)}</td>
                <td className="muted">{names(g.tolerated)}</td>
                <td>{g.served}</td>
                <td>
                  {pct(g.accuracy)} <span className="muted">of {g.answers}</span>
                </td>
                <td>
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() => void remove(g)}
                    disabled={busy}
                    aria-label={`Remove ${g.title} from gold`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </ScrollTable>
        )}
      </section>
    </div>
  );
}
