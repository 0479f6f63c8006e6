'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, apiFetch } from '@/lib/client/api';
import type { QueueItem, VoteInput, VoteResult } from '@/lib/queue/schemas';
import { AudioPlayer } from './audio-player';
import { ContributorStats } from './crowd-contributor-stats';

type Pending = { input: VoteInput; title: string };

/** How many clips the page holds: the one on screen plus the preloaded next one. */
const HELD = 2;

/**
 * The crowd labeling screen: one clip, one decision, keyboard first. The next clip is
 * leased and its audio preloaded while the current one plays, and votes are sent in the
 * background with a stable idempotency key, so moving on never waits for the network.
 */
export function Labeler() {
  const [items, setItems] = useState<QueueItem[]>([]);
  const [selected, setSelected] = useState<string[]>([]);
  const [state, setState] = useState<'loading' | 'ready' | 'empty' | 'error'>('loading');
  const [message, setMessage] = useState<string | null>(null);
  const [done, setDone] = useState(0);
  const shownAt = useRef(Date.now());
  const fetching = useRef(false);
  const itemsRef = useRef<QueueItem[]>([]);
  itemsRef.current = items;

  const topUp = useCallback(async () => {
    if (fetching.current) return;
    fetching.current = true;
    try {
      while (itemsRef.current.length < HELD) {
        const exclude = itemsRef.current.map((i) => i.clip.id).join(',');
        const next = await apiFetch<QueueItem>(`/api/queue/next${exclude ? `?exclude=${exclude}` : ''}`);
        if (itemsRef.current.some((i) => i.lease.id === next.lease.id)) break;
        itemsRef.current = [...itemsRef.current, next];
        setItems(itemsRef.current);
        setState('ready');
      }
    } catch (err) {
      if (err instanceof ApiError && err.code === 'QUEUE_EMPTY') {
        if (itemsRef.current.length === 0) setState('empty');
      } else {
        setMessage(err instanceof Error ? err.message : String(err));
        if (itemsRef.current.length === 0) setState('error');
      }
    } finally {
      fetching.current = false;
    }
  }, []);

  useEffect(() => {
    void topUp();
  }, [topUp]);

  const current = items[0];

  useEffect(() => {
    shownAt.current = Date.now();
    setSelected([]);
  }, [current?.lease.id]);

  const send = useCallback(async ({ input, title }: Pending) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await apiFetch<VoteResult>('/api/votes', { method: 'POST', body: JSON.stringify(input) });
        setDone((n) => n + (input.kind === 'skip' ? 0 : 1));
        return;
      } catch (err) {
        const retryable = !(err instanceof ApiError) || err.status >= 500;
        if (retryable && attempt < 4) {
          await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
          continue;
        }
        setMessage(`Your answer on “${title}” was not saved: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    }
  }, []);

  const advance = useCallback(
    (build: (item: QueueItem, base: { leaseId: string; idempotencyKey: string; listenedMs: number }) => VoteInput) => {
      const item = itemsRef.current[0];
      if (!item) return;
      const input = build(item, {
        leaseId: item.lease.id,
        // One key per lease: a retried submit of this answer is recognised by the server.
        idempotencyKey: `lease-${item.lease.id}`,
        listenedMs: Date.now() - shownAt.current,
      });
      itemsRef.current = itemsRef.current.slice(1);
      setItems(itemsRef.current);
      if (itemsRef.current.length === 0) setState('loading');
      void send({ input, title: item.clip.title });
      void topUp();
    },
    [send, topUp],
  );

  const submit = useCallback(() => {
    if (!current) return;
    if (current.question) return;
    if (selected.length === 0) {
      setMessage('Pick at least one mood (keys 1–9), or skip with S.');
      return;
    }
    setMessage(null);
    const tags = selected;
    advance((_item, base) => ({ kind: 'vote', tags, ...base }));
  }, [advance, current, selected]);

  const toggle = useCallback((key: string) => {
    setSelected((s) => (s.includes(key) ? s.filter((k) => k !== key) : [...s, key]));
  }, []);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const target = event.target as HTMLElement | null;
      if (target && ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)) return;
      if (event.metaKey || event.ctrlKey || event.altKey || !current) return;
      const key = event.key.toLowerCase();
      if (current.question) {
        if (key === 'y' || key === 'n') {
          event.preventDefault();
          const answer = key === 'y';
          advance((_item, base) => ({ kind: 'targeted', answer, ...base }));
        } else if (key === 's') {
          advance((_item, base) => ({ kind: 'skip', ...base }));
        }
        return;
      }
      if (/^[1-9]$/.test(key)) {
        const tag = current.taxonomy.tags[Number(key) - 1];
        if (tag) {
          event.preventDefault();
          toggle(tag.key);
        }
      } else if (key === 'enter') {
        event.preventDefault();
        submit();
      } else if (key === 's') {
        event.preventDefault();
        advance((_item, base) => ({ kind: 'skip', ...base }));
      } else if (key === 'f') {
        event.preventDefault();
        advance((_item, base) => ({ kind: 'flag', reason: 'flagged from the labeling screen', ...base }));
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [advance, current, submit, toggle]);

  if (state === 'empty' && !current) {
    return (
      <div className="panel" data-testid="queue-empty">
        <h2>All caught up</h2>
        <p className="muted">There is nothing left for you to label right now. You answered {done} clips this session.</p>
      </div>
    );
  }
  if (!current) {
    return (
      <div className="panel" data-testid="queue-loading">
        {state === 'error' ? <p className="error">{message}</p> : <p className="muted">Finding the most useful clip for you…</p>}
      </div>
    );
  }

  return (
    <div className="stack">
      <section className="panel stack" data-testid="clip" data-clip-id={current.clip.id}>
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <div>
            <h2 style={{ margin: 0 }} data-testid="clip-title">
              {current.clip.title}
            </h2>
            <span className="muted">{current.clip.artist}</span>
          </div>
          <span className="stack" style={{ gap: 0, alignItems: 'flex-end' }}>
            <span className="muted" data-testid="done-count">
              {done} done this session
            </span>
            <ContributorStats answered={done} />
          </span>
        </div>
        <AudioPlayer
          key={current.lease.id}
          src={current.clip.audioUrl}
          startAt={current.clip.excerptStartS}
          gainDb={current.clip.playbackGainDb}
        />
        {current.question ? (
          <div className="stack">
            <p style={{ fontSize: '1.2em', margin: 0 }}>
              Is this clip <strong>{current.question.label}</strong>?
            </p>
            <div className="row">
              <button type="button" onClick={() => advance((_i, b) => ({ kind: 'targeted', answer: true, ...b }))}>
                <kbd>Y</kbd> Yes
              </button>
              <button type="button" className="secondary" onClick={() => advance((_i, b) => ({ kind: 'targeted', answer: false, ...b }))}>
                <kbd>N</kbd> No
              </button>
            </div>
          </div>
        ) : (
          <>
            <div className="chips" role="group" aria-label="Mood tags">
              {current.taxonomy.tags.map((tag, i) => (
                <button
                  type="button"
                  key={tag.key}
                  className="chip"
                  aria-pressed={selected.includes(tag.key)}
                  title={tag.description}
                  data-tag={tag.key}
                  onClick={() => toggle(tag.key)}
                >
                  {i < 9 && <kbd>{i + 1}</kbd>}
                  {tag.label}
                </button>
              ))}
            </div>
            <div className="row">
              <button type="button" onClick={submit} disabled={selected.length === 0}>
                Submit <kbd>Enter</kbd>
              </button>
              <button type="button" className="secondary" onClick={() => advance((_i, b) => ({ kind: 'skip', ...b }))}>
                Skip <kbd>S</kbd>
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => advance((_i, b) => ({ kind: 'flag', reason: 'flagged from the labeling screen', ...b }))}
              >
                Flag a problem <kbd>F</kbd>
              </button>
            </div>
          </>
        )}
        {message && (
          <p className="error" role="status">
            {message}
          </p>
        )}
      </section>
      {items[1] && <link rel="preload" as="audio" href={items[1].clip.audioUrl} />}
      {items[1] && <audio preload="auto" src={items[1].clip.audioUrl} data-testid="preloaded-audio" hidden />}
      <p className="muted">
        <kbd>1</kbd>–<kbd>9</kbd> toggle moods · <kbd>Enter</kbd> submit · <kbd>S</kbd> skip · <kbd>F</kbd> flag · <kbd>Space</kbd> play/pause
      </p>
    </div>
  );
}
