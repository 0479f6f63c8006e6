'use client';

import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import type { GoldAnswer } from '@/lib/gold/schemas';
import type { Tag } from '@/lib/taxonomy/schemas';
import { TagChips } from './tag-chips';

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * On the review screen: make the clip a gold (honeypot) question whose required moods are the
 * expert's Final column, choose the moods that may go either way, and take it out of gold again.
 * Independent of settling: a gold clip leaves the review queue, and the crowd is scored on it.
 * Mouse / touch only — the review keys (1–9) stay on the Final column.
 */
export function GoldMark({ clipId, selected, tags }: { clipId: string; selected: readonly string[]; tags: readonly Tag[] }) {
  const [gold, setGold] = useState<GoldAnswer | null>(null);
  const [tolerated, setTolerated] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const label = (key: string) => tags.find((t) => t.key === key)?.label ?? key;
  // A tolerated mood the expert then marks "yes" becomes required: never both.
  const chosenTolerated = tolerated.filter((k) => !selected.includes(k));
  const changed = !gold || !sameSet(gold.tags, selected) || !sameSet(gold.tolerated, chosenTolerated);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setMessage(null);
    try {
      await work();
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const mark = () =>
    run(async () => {
      const result = await apiFetch<{ gold: GoldAnswer }>('/api/gold', {
        method: 'POST',
        body: JSON.stringify({ clipId, tags: selected, tolerated: chosenTolerated }),
      });
      setGold(result.gold);
    });
  const unmark = () =>
    run(async () => {
      await apiFetch(`/api/gold/${clipId}`, { method: 'DELETE' });
      setGold(null);
    });

  return (
    <details className="gold-mark" data-testid="gold-mark" open={gold !== null || undefined}>
      <summary>
        Gold question{' '}
        {gold && (
          <span className="badge" data-testid="gold-badge">
            gold
          </span>
        )}
      </summary>
      <p className="muted" style={{ margin: '0.4rem 0' }}>
        The crowd is checked on a gold clip: they must say yes to{' '}
        <strong>{selected.length > 0 ? selected.map(label).join(', ') : 'the moods set to “yes” in Final'}</strong> and no to
        every mood not tolerated below. Tolerated moods may go either way.
      </p>
      <TagChips
        label="Tolerated moods"
        attribute="tolerated"
        tags={tags.filter((t) => !selected.includes(t.key))}
        selected={tolerated}
        chipLabel={(t, on) => `${t.label}: ${on ? 'tolerated' : 'must be no'}`}
        onToggle={(key) => setTolerated((s) => (s.includes(key) ? s.filter((k) => k !== key) : [...s, key]))}
        style={{ margin: '0.4rem 0' }}
      />
      <div className="row">
        {changed && (
          <button
            type="button"
            className="secondary"
            onClick={() => void mark()}
            disabled={busy || selected.length === 0}
            data-testid="gold-mark-button"
          >
            {gold ? 'Update the gold answer' : 'Make this clip gold'}
          </button>
        )}
        {gold && (
          <button
            type="button"
            className="secondary"
            onClick={() => void unmark()}
            disabled={busy}
            data-testid="gold-unmark-button"
          >
            Remove from gold
          </button>
        )}
        {gold && !changed && (
          <span className="muted" role="status">
            Gold: {gold.tags.map(label).join(', ')}
            {gold.tolerated.length > 0 ? `; tolerated ${gold.tolerated.map(label).join(', ')}` : ''}.
          </span>
        )}
        {selected.length === 0 && <span className="muted">Set at least one mood to “yes” first.</span>}
      </div>
      {message && <p className="error">{message}</p>}
    </details>
  );
}
