'use client';

import { useEffect, useImperativeHandle, useRef, useState, type Ref } from 'react';
import { useLoudness } from '@/lib/client/loudness';
import { Waveform } from './waveform';

export interface PlayerControl {
  toggle(): void;
  readonly playing: boolean;
}

/**
 * Plays a clip from its representative excerpt, with a seekable progress bar and
 * loudness-normalised playback (lib/client/loudness.ts: boost and cut, with a limiter).
 */
export function AudioPlayer({
  src,
  startAt,
  gainDb,
  waveform = false,
  control,
}: {
  src: string;
  startAt: number;
  gainDb: number;
  /** Draw the clip's waveform (experts) instead of a plain progress bar (crowd, lighter). */
  waveform?: boolean;
  /** Play/pause from the screen's Space key (lib/client/hotkeys.ts), whatever has the focus. */
  control?: Ref<PlayerControl>;
}) {
  const audio = useRef<HTMLAudioElement>(null);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  const [playing, setPlaying] = useState(false);

  useLoudness(audio, gainDb, src);

  useEffect(() => {
    const el = audio.current;
    if (!el) return;
    const onMeta = () => {
      setDuration(el.duration);
      if (startAt > 0 && startAt < el.duration) el.currentTime = startAt;
      void el.play().catch(() => setPlaying(false));
    };
    // A cached clip may have its metadata before this effect runs: then the event has passed.
    if (el.readyState >= HTMLMediaElement.HAVE_METADATA) onMeta();
    else el.addEventListener('loadedmetadata', onMeta, { once: true });
    return () => el.removeEventListener('loadedmetadata', onMeta);
  }, [startAt, src]);

  useImperativeHandle(control, () => ({
    toggle() {
      const el = audio.current;
      if (!el) return;
      if (el.paused) void el.play().catch(() => setPlaying(false));
      else el.pause();
    },
    get playing() {
      return !!audio.current && !audio.current.paused;
    },
  }));

  const fraction = duration > 0 ? time / duration : 0;
  return (
    <div className="stack">
      <audio
        ref={audio}
        src={src}
        preload="auto"
        onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        data-testid="clip-audio"
      />
      <div className="row">
        <button
          type="button"
          className="secondary"
          aria-label={playing ? 'Pause' : 'Play'}
          onClick={() => (audio.current?.paused ? void audio.current.play() : audio.current?.pause())}
        >
          {playing ? '❚❚' : '▶'}
        </button>
        {waveform ? (
          <div style={{ flex: 1 }}>
            <Waveform
              src={src}
              position={time}
              duration={duration}
              excerpt={{ startS: startAt, lengthS: 30 }}
              onSeek={(t) => {
                if (audio.current) audio.current.currentTime = t;
              }}
            />
          </div>
        ) : (
          <div
            className="progress"
            style={{ flex: 1 }}
            role="slider"
            aria-label="Position"
            aria-valuemin={0}
            aria-valuemax={Math.round(duration)}
            aria-valuenow={Math.round(time)}
            onClick={(e) => {
              const rect = e.currentTarget.getBoundingClientRect();
              if (audio.current && duration > 0) audio.current.currentTime = ((e.clientX - rect.left) / rect.width) * duration;
            }}
          >
            <div style={{ width: `${(fraction * 100).toFixed(1)}%` }} />
          </div>
        )}
        <span className="muted" style={{ fontVariantNumeric: 'tabular-nums' }}>
          {time.toFixed(0)} / {duration ? duration.toFixed(0) : '–'} s
        </span>
      </div>
    </div>
  );
}
