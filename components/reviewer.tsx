'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import { focusWorkArea, useHotkeys, useRefocus, type Hotkey } from '@/lib/client/hotkeys';
import { useLeaseRenewal } from '@/lib/client/lease-renewal';
import type { ReviewItem } from '@/lib/review/schemas';
import { keyLabel, tempoLabel } from '@/lib/audio/confidence';
import { AudioPlayer, type PlayerControl } from './audio-player';
import { ConfirmDialog, KeyHints } from './work-dialogs';
import { GoldMark } from './gold-mark';
import { TableRegion } from './table-view';
import {
  closeness,
  crowdSplit,
  explainPriority,
  likelihoodWords,
  modelUnsure,
  POSTERIOR_FORMULA,
  priorityFormula,
  reliabilityWords,
  tagVotes,
} from '@/lib/client/explain';
import { own } from '@/lib/util/dict';

function initialSelection(item: ReviewItem): string[] {
  // Start from the crowd's current labels (or the model's guess when nobody voted), so the
  // expert corrects rather than re-enters.
  const fromCrowd = item.votes.perTag.filter((t) => (t.posterior ?? 0) >= 0.5).map((t) => t.tag);
  if (fromCrowd.length > 0 || !item.model) return fromCrowd;
  return Object.entries(item.model.probs)
    .filter(([, p]) => p >= 0.5)
    .map(([tag]) => tag);
}

const likely = (x: number | null | undefined) => (x == null ? '—' : likelihoodWords(x));

/** The expert review screen: everything known about one clip, and the final tags set by keyboard. */
export function Reviewer() {
  const [item, setItem] = useState<ReviewItem | null>(null);
  useLeaseRenewal(item ? [item.lease] : []);
  const [state, setState] = useState<'loading' | 'ready' | 'empty' | 'error'>('loading');
  const [selected, setSelected] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [settled, setSettled] = useState(0);
  const [confirmNone, setConfirmNone] = useState(false);
  const [help, setHelp] = useState(false);
  const workArea = useRef<HTMLDivElement>(null);
  const player = useRef<PlayerControl>(null);
  const refocus = useRefocus(workArea);

  const load = useCallback(async () => {
    setState('loading');
    try {
      // 204 (no body) when nothing is waiting: an ordinary answer, not an error the console shows.
      const next = await apiFetch<ReviewItem | undefined>('/api/review/next');
      if (!next) {
        setItem(null);
        setState('empty');
        return;
      }
      setItem(next);
      setSelected(initialSelection(next));
      setNote('');
      setState('ready');
    } catch (err) {
      setItem(null);
      setMessage(err instanceof Error ? err.message : String(err));
      setState('error');
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const submit = useCallback(async () => {
    if (!item || busy) return;
    setConfirmNone(false);
    setBusy(true);
    setMessage(null);
    try {
      await apiFetch('/api/review/decisions', {
        method: 'POST',
        body: JSON.stringify({ leaseId: item.lease.id, tags: selected, note, idempotencyKey: `review-${item.lease.id}` }),
      });
      setSettled((n) => n + 1);
      await load();
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }, [busy, item, load, note, selected]);

  // A new clip: the note box (or a clicked chip) hands the keyboard back to the clip.
  useEffect(() => focusWorkArea(workArea), [item?.lease.id]);

  /** Enter: settle — but a clip with every mood "no" is easy to send by accident, so ask first. */
  const settle = useCallback(() => {
    if (!item || busy) return;
    if (selected.length === 0) setConfirmNone(true);
    else void submit();
  }, [busy, item, selected.length, submit]);

  const toggle = useCallback(
    (key: string) => setSelected((s) => (s.includes(key) ? s.filter((k) => k !== key) : [...s, key])),
    [],
  );
  const tags = item?.taxonomy.tags;
  const bindings = useMemo<Hotkey[]>(
    () => [
      { keys: 'space', label: 'Play / pause', run: () => player.current?.toggle() },
      ...(tags ?? [])
        .slice(0, 9)
        .map((tag, i): Hotkey => ({
          keys: String(i + 1),
          label: 'Toggle a mood (yes / no)',
          display: '1–9',
          hidden: i > 0,
          run: () => toggle(tag.key),
        })),
      { keys: 'enter', label: 'Settle the clip (asks first when every mood is "no")', run: settle },
      { keys: 'mod+enter', label: 'Settle, also from the note box', inFields: true, run: settle },
      { keys: 'n', label: 'Write a note', keepFocus: true, run: () => document.getElementById('review-note')?.focus() },
      { keys: 'escape', label: 'Leave the note box', inFields: true, run: () => undefined },
      { keys: '?', label: 'Show these keys', keepFocus: true, run: () => setHelp(true) },
    ],
    [settle, tags, toggle],
  );
  useHotkeys(item ? bindings : [], { workArea });

  if (state === 'empty') {
    return (
      <div className="panel" data-testid="review-empty">
        <h2>Nothing to review</h2>
        <p className="muted">No disputed or uncertain clips are waiting. You settled {settled} this session.</p>
        <p className="muted">
          Clips come here when the crowd cannot agree on a mood (after the most votes a clip may get) and, once a model is
          trained, when they are among the open clips it is least sure of. Meanwhile,{' '}
          <a href="/label">label clips with the crowd</a>.
        </p>
      </div>
    );
  }
  if (!item) {
    return (
      <div className="panel">
        {state === 'error' ? <p className="error">{message}</p> : <p className="muted">Loading the next clip…</p>}
      </div>
    );
  }

  return (
    <div className="stack work-area" ref={workArea} tabIndex={-1} data-testid="review" data-clip-id={item.clip.id}>
      <section className="panel stack">
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <div style={{ flex: '1 1 auto', minWidth: 0 }}>
            <h2 style={{ margin: 0 }}>{item.clip.title}</h2>
            <span className="muted" style={{ overflowWrap: 'anywhere' }}>
              {item.clip.artist}
            </span>
          </div>
          <div className="row">
            <span className="badge">{item.clip.labelState}</span>
            {item.secondOpinion && <span className="badge">second opinion</span>}
            <span className="muted">{settled} settled</span>
          </div>
        </div>
        <AudioPlayer
          control={player}
          key={item.lease.id}
          src={item.clip.audioUrl}
          startAt={item.clip.excerptStartS}
          gainDb={item.clip.playbackGainDb}
          waveform
        />
        <div className="row muted" data-testid="review-features">
          {item.features ? (
            <>
              <span>tempo {tempoLabel(item.features.tempoBpm, item.features.tempoConfidence)}</span>
              <span>key {keyLabel(item.features.key, item.features.mode, item.features.keyConfidence)}</span>
              <span>loudness {item.features.lufs?.toFixed(1) ?? '—'} LUFS</span>
            </>
          ) : (
            <span>features not extracted yet</span>
          )}
        </div>
        <WhyHere item={item} />
      </section>

      <section className="panel">
        <TableRegion label="Tags for this clip">
          <table data-testid="review-tags">
            <thead>
              <tr>
                <th>Key</th>
                <th>Mood</th>
                <th title="How many voters chose this mood, of all who voted on the clip">Crowd</th>
                <th title={POSTERIOR_FORMULA}>Crowd belief</th>
                <th title="The active model's probability that this mood fits">Model</th>
                <th>Final</th>
              </tr>
            </thead>
            <tbody>
              {item.taxonomy.tags.map((tag, i) => {
                const votes = item.votes.perTag.find((t) => t.tag === tag.key);
                const on = selected.includes(tag.key);
                return (
                  <tr key={tag.key}>
                    <td>{i < 9 && <kbd>{i + 1}</kbd>}</td>
                    <td>{tag.label}</td>
                    <td title={`${votes?.yes ?? 0} yes / ${votes?.no ?? 0} no`}>
                      {tagVotes(votes?.yes ?? 0, votes?.no ?? 0, tag.label)}
                    </td>
                    <td>{likely(votes?.posterior)}</td>
                    <td>{likely(own(item.model?.probs, tag.key))}</td>
                    <td>
                      <button
                        type="button"
                        className="chip"
                        aria-pressed={on}
                        data-tag={tag.key}
                        aria-label={`${tag.label}: ${on ? 'yes' : 'no'}`}
                        onClick={() => {
                          toggle(tag.key);
                          refocus();
                        }}
                      >
                        {on ? 'yes' : 'no'}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableRegion>
        <details className="muted" style={{ fontSize: '0.85em', marginTop: '0.25rem' }} data-testid="belief-formula">
          <summary>How crowd belief and model are computed</summary>
          <p style={{ margin: '0.25rem 0' }}>
            Crowd belief (Dawid–Skene): {POSTERIOR_FORMULA}. Model: the active model&apos;s probability that the mood fits. Words:
            at least 80 % very likely, 60 % likely, above 40 % undecided, above 20 % unlikely.
          </p>
        </details>
        <div className="row" style={{ marginTop: '1rem', alignItems: 'flex-start' }}>
          <textarea
            id="review-note"
            aria-label="Note (optional)"
            placeholder="Note (optional) — press N to focus, Ctrl+Enter to submit"
            value={note}
            onChange={(e) => setNote(e.target.value)}
            rows={2}
            style={{ flex: 1 }}
            maxLength={2000}
          />
          <button type="button" onClick={settle} disabled={busy} data-testid="settle">
            Settle <kbd>Enter</kbd>
          </button>
        </div>
        {message && <p className="error">{message}</p>}
        <GoldMark key={item.lease.id} clipId={item.clip.id} selected={selected} tags={item.taxonomy.tags} />
      </section>

      <div className="row" style={{ alignItems: 'flex-start' }}>
        <section className="panel" style={{ flex: 1 }}>
          <h3 id="review-voters-heading" style={{ marginTop: 0 }}>Voters ({item.votes.count})</h3>
          {item.votes.voters.length === 0 ? (
            <p className="muted">No crowd votes yet.</p>
          ) : (
            <TableRegion labelledBy="review-voters-heading">
              <table>
                <tbody>
                  {item.votes.voters.map((v, i) => (
                    <tr key={i}>
                      <td className="muted" title="Balanced accuracy from the last EM run; 50 % is guessing">
                        {reliabilityWords(v.reliability)}
                      </td>
                      <td>{v.tags.join(', ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          )}
        </section>
        <section className="panel" style={{ flex: 1 }}>
          <h3 id="review-neighbours-heading" style={{ marginTop: 0 }}>Nearest labeled clips</h3>
          {item.neighbours.length === 0 ? (
            <p className="muted">None labeled yet.</p>
          ) : (
            <Neighbours item={item} onPlay={() => player.current?.playing && player.current.toggle()} />
          )}
        </section>
      </div>
      <KeyHints
        touchHint="Tap the moods of the final label, add a note if it needs one, then Settle."
        bindings={bindings}
        open={help}
        onOpen={() => setHelp(true)}
        onClose={() => {
          setHelp(false);
          refocus();
        }}
      >
        <kbd>1</kbd>–<kbd>9</kbd> toggle moods · <kbd>Enter</kbd> settle · <kbd>N</kbd> note (<kbd>Ctrl+Enter</kbd> settles from
        it) · <kbd>Space</kbd> play/pause
      </KeyHints>
      <ConfirmDialog
        open={confirmNone}
        title="Settle with no mood at all?"
        confirmLabel="Settle: no mood fits"
        testId="confirm-none"
        onConfirm={() => void submit()}
        onCancel={() => {
          setConfirmNone(false);
          refocus();
        }}
      >
        <p>Every mood is set to “no”. The clip will be recorded as having none of them, and the decision is final.</p>
      </ConfirmDialog>
    </div>
  );
}

/** Why this clip is here, in words first; the formula is one hover (or tap on "how") away. */
function WhyHere({ item }: { item: ReviewItem }) {
  const labels = Object.fromEntries(item.taxonomy.tags.map((t) => [t.key, t.label]));
  const lines = [
    ...item.why.reasons,
    crowdSplit(item.votes.perTag, labels),
    modelUnsure(item.model?.probs, labels),
    explainPriority(item.why.terms),
  ].filter((l): l is string => !!l);
  const hasTerms = Object.keys(item.why.terms).length > 0;
  return (
    <div data-testid="why-here">
      <strong>Why this clip is here</strong>
      {lines.length === 0 ? (
        <p className="muted" style={{ margin: 0 }}>
          Queued for review; no vote or model score explains it yet.
        </p>
      ) : (
        <ul style={{ margin: '0.25rem 0 0', paddingLeft: '1.2rem' }}>
          {lines.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      )}
      {hasTerms && (
        <details className="muted" style={{ fontSize: '0.85em', marginTop: '0.25rem' }}>
          <summary title={priorityFormula(item.why.priority, item.why.terms)}>How the queue priority is computed</summary>
          <p style={{ margin: '0.25rem 0' }} data-testid="priority-formula">
            {priorityFormula(item.why.priority, item.why.terms)}
          </p>
          <p style={{ margin: 0 }}>
            Each term is a signal (the model’s uncertainty, the crowd’s disagreement, how unlike the labelled clips it is, the
            votes it still needs) times its weight under the query strategy on /models; the queue serves the highest sum first.
          </p>
        </details>
      )}
    </div>
  );
}

/** The nearest labelled clips: playable, their moods by name, and the distance in words (raw number on hover). */
function Neighbours({ item, onPlay }: { item: ReviewItem; onPlay: () => void }) {
  const audio = useRef<HTMLAudioElement>(null);
  const [playing, setPlaying] = useState<string | null>(null);
  const labels = Object.fromEntries(item.taxonomy.tags.map((t) => [t.key, t.label]));
  const nearest = Math.min(...item.neighbours.map((n) => n.distance));
  const play = (clipId: string) => {
    const el = audio.current;
    if (!el) return;
    if (playing === clipId) {
      el.pause();
      return;
    }
    onPlay();
    el.src = `/api/clips/${clipId}/audio`;
    setPlaying(clipId);
    void el.play().catch(() => setPlaying(null));
  };
  return (
    <>
      <audio ref={audio} onPause={() => setPlaying(null)} onEnded={() => setPlaying(null)} hidden />
      <TableRegion labelledBy="review-neighbours-heading">
        <table data-testid="neighbours">
          <tbody>
            {item.neighbours.map((n) => (
              <tr key={n.clipId}>
                <td style={{ width: '2.5rem' }}>
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={`${playing === n.clipId ? 'Pause' : 'Play'} ${n.title}`}
                    onClick={() => play(n.clipId)}
                  >
                    {playing === n.clipId ? '❚❚' : '▶'}
                  </button>
                </td>
                <td>{n.title}</td>
                <td>{n.labels.map((k) => labels[k] ?? k).join(', ') || 'no mood'}</td>
                <td className="muted" title={`distance ${n.distance.toFixed(2)} in standardised feature space (smaller is closer)`}>
                  {closeness(n.distance, nearest)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
    </>
  );
}
