'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, apiFetch } from '@/lib/client/api';
import { focusWorkArea, useHotkeys, useRefocus, type Hotkey } from '@/lib/client/hotkeys';
import { useLoudness } from '@/lib/client/loudness';
import { KeyHints } from './work-dialogs';
import type { RecommendedTrack, RecommendResponse } from '@/lib/recommend/schemas';
import { TagChips } from './tag-chips';

/** A queued track and the embedding version whose answer it came from (feedback KPIs are kept per version). */
type Track = RecommendedTrack & { servedBy: number | null };

interface Mood {
  key: string;
  label: string;
  description: string;
}

const SESSION_KEY = 'chorus.listen.session';
const PERSONAL_KEY = 'chorus.listen.personalization';
const QUEUE = 12;
/** Picking another track from the queue within this many seconds is browsing, not judging the one playing. */
const BROWSE_S = 5;

/**
 * The listener player: now playing with its "why", like / dislike / skip (keys L, D, S), a
 * queue of the next tracks with theirs, mood chips and a personalization switch. The session
 * is an opaque id in localStorage — nothing else about the listener is kept. Feedback is sent
 * in order through one chain, and the queue is re-ranked after each piece of it.
 */
export function ListenPlayer({ moods }: { moods: Mood[] }) {
  const [current, setCurrent] = useState<Track | null>(null);
  const [queue, setQueue] = useState<Track[]>([]);
  const [liked, setLiked] = useState(false);
  const [personalization, setPersonalization] = useState(true);
  const [selected, setSelected] = useState<string[]>([]);
  const [version, setVersion] = useState<number | null>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'empty' | 'error'>('loading');
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(0);
  const [help, setHelp] = useState(false);
  const audio = useRef<HTMLAudioElement>(null);
  const workArea = useRef<HTMLDivElement>(null);
  const refocus = useRefocus(workArea);
  useLoudness(audio, current?.playbackGainDb ?? 0, current?.audioUrl ?? null);
  const session = useRef<string | null>(null);
  const chain = useRef<Promise<unknown>>(Promise.resolve());
  // The latest values, for callbacks queued on the chain.
  const latest = useRef({ current, queue, liked, personalization, selected });
  latest.current = { current, queue, liked, personalization, selected };

  const run = useCallback((job: () => Promise<void>) => {
    setPending((n) => n + 1);
    chain.current = chain.current
      .then(job)
      .catch((err: unknown) => setMessage(err instanceof Error ? err.message : String(err)))
      .finally(() => setPending((n) => n - 1));
  }, []);

  const newSession = useCallback(async () => {
    const created = await apiFetch<{ sessionId: string }>('/api/listen/sessions', {
      method: 'POST',
      body: JSON.stringify({ personalization: latest.current.personalization }),
    });
    session.current = created.sessionId;
    window.localStorage.setItem(SESSION_KEY, created.sessionId);
    return created.sessionId;
  }, []);

  /** Re-ranks the queue; with `replace`, the first answer also becomes the track now playing. */
  const refresh = useCallback(
    async (replace: boolean) => {
      const { personalization: personal, selected: chosen } = latest.current;
      const params = new URLSearchParams({ k: String(QUEUE + 1), personalization: personal ? '1' : '0' });
      if (chosen.length > 0) params.set('mood', chosen.join(','));
      let answer: RecommendResponse;
      try {
        answer = await apiFetch<RecommendResponse>(
          `/api/listen/sessions/${session.current ?? (await newSession())}/next?${params}`,
        );
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) throw err;
        await newSession(); // expired under the retention policy: start over
        answer = await apiFetch<RecommendResponse>(`/api/listen/sessions/${session.current}/next?${params}`);
      }
      const tracks = answer.results.map((r) => ({ ...r, servedBy: answer.embeddingVersion }));
      setVersion(answer.embeddingVersion);
      const playing = replace ? null : latest.current.current;
      if (!playing) {
        setCurrent(tracks[0] ?? null);
        setLiked(false);
        setQueue(tracks.slice(1, QUEUE + 1));
      } else {
        setQueue(tracks.filter((t) => t.clipId !== playing.clipId).slice(0, QUEUE));
      }
      setState(tracks.length > 0 || playing ? 'ready' : 'empty');
    },
    [newSession],
  );

  const send = useCallback(async (track: Track, type: 'play' | 'skip' | 'like' | 'dislike', positionS: number) => {
    const body = JSON.stringify({
      clipId: track.clipId,
      type,
      positionS: Math.round(positionS * 10) / 10,
      ...(track.servedBy ? { embeddingVersion: track.servedBy } : {}),
    });
    try {
      await apiFetch(`/api/listen/sessions/${session.current}/events`, { method: 'POST', body });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404 && /session/i.test(err.message))) throw err;
      await newSession();
      await apiFetch(`/api/listen/sessions/${session.current}/events`, { method: 'POST', body });
    }
  }, []);

  useEffect(() => {
    const storedPersonal = window.localStorage.getItem(PERSONAL_KEY);
    if (storedPersonal !== null) {
      latest.current.personalization = storedPersonal === '1';
      setPersonalization(storedPersonal === '1');
    }
    session.current = window.localStorage.getItem(SESSION_KEY);
    run(async () => {
      try {
        await refresh(true);
      } catch (err) {
        setState('error');
        throw err;
      }
    });
  }, [refresh, run]);

  const position = () => audio.current?.currentTime ?? 0;

  /** The next queued track starts; the queue is topped up once the feedback is in. */
  const advance = useCallback(() => {
    const { queue: q } = latest.current;
    setCurrent(q[0] ?? null);
    setQueue(q.slice(1));
    setLiked(false);
    return q.length === 0;
  }, []);

  const like = useCallback(() => {
    const { current: track, liked: already } = latest.current;
    if (!track || already) return;
    setLiked(true);
    const at = position();
    run(async () => {
      await send(track, 'like', at);
      await refresh(false);
    });
  }, [refresh, run, send]);

  const leave = useCallback(
    (type: 'skip' | 'dislike' | 'play') => {
      const { current: track, liked: wasLiked } = latest.current;
      if (!track) return;
      const at = type === 'play' ? (audio.current?.duration ?? position()) : position();
      const empty = advance();
      run(async () => {
        // Moving on from a liked track is not a verdict against it.
        if (!(type === 'skip' && wasLiked)) await send(track, type, Number.isFinite(at) ? at : 0);
        await refresh(empty);
      });
    },
    [advance, refresh, run, send],
  );

  const playNow = useCallback(
    (item: Track) => {
      const { current: track, liked: wasLiked, queue: q } = latest.current;
      const at = position();
      setCurrent(item);
      setQueue(q.filter((t) => t.clipId !== item.clipId));
      setLiked(false);
      if (track && !wasLiked && at >= BROWSE_S) {
        run(async () => {
          await send(track, 'skip', at);
          await refresh(false);
        });
      }
    },
    [refresh, run, send],
  );

  const toggleMood = useCallback(
    (key: string) => {
      const next = latest.current.selected.includes(key)
        ? latest.current.selected.filter((k) => k !== key)
        : [...latest.current.selected, key];
      latest.current.selected = next;
      setSelected(next);
      run(() => refresh(false));
    },
    [refresh, run],
  );

  const togglePersonalization = useCallback(() => {
    const next = !latest.current.personalization;
    latest.current.personalization = next;
    setPersonalization(next);
    window.localStorage.setItem(PERSONAL_KEY, next ? '1' : '0');
    run(() => refresh(false));
  }, [refresh, run]);

  const restart = useCallback(() => {
    run(async () => {
      await newSession();
      latest.current.current = null;
      await refresh(true);
    });
  }, [newSession, refresh, run]);

  const bindings = useMemo<Hotkey[]>(
    () => [
      {
        keys: 'space',
        label: 'Play / pause',
        run: () => {
          const el = audio.current;
          if (!el) return;
          if (el.paused) void el.play().catch(() => undefined);
          else el.pause();
        },
      },
      { keys: 'l', label: 'Like this track', run: like },
      { keys: 'd', label: 'Dislike: next track', run: () => leave('dislike') },
      { keys: 's', label: 'Skip to the next track', run: () => leave('skip') },
      { keys: '?', label: 'Show these keys', keepFocus: true, run: () => setHelp(true) },
    ],
    [leave, like],
  );
  useHotkeys(bindings, { workArea });
  // A new track: the keyboard goes back to the player, wherever a click left it.
  useEffect(() => focusWorkArea(workArea), [current?.clipId]);

  return (
    <div className="stack work-area" ref={workArea} tabIndex={-1} data-testid="listen" data-busy={pending}>
      <section className="panel stack">
        <div className="row" style={{ justifyContent: 'space-between' }}>
          <h1 style={{ margin: 0, fontSize: '1.4em' }}>Listen</h1>
          <label className="row" style={{ gap: '0.4rem' }}>
            <input type="checkbox" checked={personalization} onChange={togglePersonalization} data-testid="personalization" />
            Personalize from what I like and skip
          </label>
        </div>
        {moods.length > 0 ? (
          <TagChips
            label="Mood"
            attribute="mood"
            tags={moods}
            selected={selected}
            onToggle={(key) => {
              toggleMood(key);
              refocus();
            }}
            style={{ margin: 0 }}
          />
        ) : null}
        <p className="muted" style={{ margin: 0, fontSize: '0.85em' }}>
          {personalization
            ? 'Recommendations follow your likes, dislikes and skips in this session, plus what listeners with similar taste liked.'
            : 'Personalization is off: recommendations depend only on the moods you pick.'}{' '}
          No account, no personal data: this browser keeps an anonymous session id.{' '}
          <button type="button" className="secondary" style={{ padding: '0 0.5em' }} onClick={restart}>
            Start a fresh session
          </button>
        </p>
      </section>

      {message ? <p className="error">{message}</p> : null}

      {current ? (
        <section className="panel stack" data-testid="now-playing" data-clip-id={current.clipId}>
          <div className="row" style={{ justifyContent: 'space-between' }}>
            <div style={{ flex: '1 1 auto', minWidth: 0 }}>
              <span className="muted" style={{ fontSize: '0.8em' }}>
                Now playing
              </span>
              <h2 style={{ margin: 0 }} data-testid="now-title">
                {current.title}
              </h2>
              <span className="muted" style={{ overflowWrap: 'anywhere' }}>
                {current.artist}
              </span>
            </div>
            {liked ? (
              <span className="badge" data-testid="liked">
                ♥ liked
              </span>
            ) : null}
          </div>
          <p style={{ margin: 0 }} data-testid="now-why">
            <span className="muted">Why: </span>
            {current.why}
          </p>
          {current.audioUrl ? (
            <audio
              key={current.clipId}
              ref={audio}
              src={current.audioUrl}
              autoPlay
              controls
              preload="auto"
              onEnded={() => leave('play')}
              style={{ width: '100%' }}
            />
          ) : (
            <p className="muted">The audio of this track is no longer kept.</p>
          )}
          <div className="row">
            <button
              type="button"
              onClick={() => {
                like();
                refocus();
              }}
              disabled={liked}
              data-testid="like"
            >
              <kbd>L</kbd> Like
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                leave('dislike');
                refocus();
              }}
              data-testid="dislike"
            >
              <kbd>D</kbd> Dislike
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                leave('skip');
                refocus();
              }}
              data-testid="skip"
            >
              <kbd>S</kbd> Skip
            </button>
          </div>
        </section>
      ) : (
        <section className="panel">
          {state === 'error' ? (
            <p className="error">The recommender is not reachable right now.</p>
          ) : state === 'empty' ? (
            <p className="muted" data-testid="listen-empty">
              Nothing to recommend yet: the catalog has no analysed tracks. Try again in a minute.
            </p>
          ) : (
            <p className="muted">Finding something for you…</p>
          )}
        </section>
      )}

      {queue.length > 0 ? (
        <section className="panel stack">
          <h3 style={{ margin: 0 }}>Up next</h3>
          <ol className="stack" style={{ margin: 0, paddingLeft: '1.2rem' }} data-testid="queue">
            {queue.map((t) => (
              <li key={t.clipId} data-testid="queue-item" data-clip-id={t.clipId}>
                <div className="row" style={{ justifyContent: 'space-between' }}>
                  <span>
                    <strong data-testid="queue-title">{t.title}</strong> <span className="muted">· {t.artist}</span>
                    <br />
                    <span className="muted" style={{ fontSize: '0.85em' }} data-testid="queue-why">
                      {t.why}
                    </span>
                  </span>
                  <button type="button" className="secondary" onClick={() => playNow(t)} aria-label={`Play ${t.title} now`}>
                    ▶
                  </button>
                </div>
              </li>
            ))}
          </ol>
        </section>
      ) : null}

      <KeyHints
        touchHint="Like, Dislike or Skip with the buttons under the player: it shapes what plays next."
        bindings={bindings}
        open={help}
        onOpen={() => setHelp(true)}
        onClose={() => {
          setHelp(false);
          refocus();
        }}
      >
        <kbd>Space</kbd> play/pause · <kbd>L</kbd> like · <kbd>D</kbd> dislike · <kbd>S</kbd> skip
      </KeyHints>

      {version !== null ? (
        <p className="muted" style={{ fontSize: '0.8em' }} data-testid="embedding-version">
          Ranked on the mood model’s map of the catalog (embedding version {version}): tracks that sound alike sit close together.
        </p>
      ) : null}
    </div>
  );
}
