'use client';

import { useEffect, useState } from 'react';

/**
 * Peak waveform of a clip, drawn from the decoded audio (Web Audio), with the playback position,
 * the representative excerpt highlighted, and click-to-seek.
 */
export function Waveform({
  src,
  position,
  duration,
  excerpt,
  onSeek,
}: {
  src: string;
  position: number;
  duration: number;
  excerpt?: { startS: number; lengthS: number };
  onSeek: (seconds: number) => void;
}) {
  const [peaks, setPeaks] = useState<number[] | null>(null);

  useEffect(() => {
    let cancelled = false;
    const context = new AudioContext();
    fetch(src, { credentials: 'same-origin' })
      .then((r) => r.arrayBuffer())
      .then((bytes) => context.decodeAudioData(bytes))
      .then((buffer) => {
        const data = buffer.getChannelData(0);
        const bins = 400;
        const step = Math.max(1, Math.floor(data.length / bins));
        const out: number[] = [];
        for (let b = 0; b < bins; b++) {
          let peak = 0;
          for (let i = b * step; i < Math.min(data.length, (b + 1) * step); i++) peak = Math.max(peak, Math.abs(data[i]));
          out.push(peak);
        }
        const max = Math.max(1e-6, ...out);
        if (!cancelled) setPeaks(out.map((p) => p / max));
      })
      .catch(() => !cancelled && setPeaks([]))
      .finally(() => void context.close());
    return () => {
      cancelled = true;
    };
  }, [src]);

  const width = 800;
  const height = 80;
  const x = (t: number) => (duration > 0 ? (t / duration) * width : 0);
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      style={{ width: '100%', height: 80, cursor: 'pointer', background: 'var(--field)', borderRadius: 8 }}
      role="slider"
      aria-label="Waveform: click to seek"
      aria-valuemin={0}
      aria-valuemax={Math.round(duration)}
      aria-valuenow={Math.round(position)}
      data-testid="waveform"
      onClick={(e) => {
        const rect = e.currentTarget.getBoundingClientRect();
        onSeek(((e.clientX - rect.left) / rect.width) * duration);
      }}
    >
      {excerpt && duration > 0 && (
        <rect x={x(excerpt.startS)} y={0} width={x(Math.min(duration, excerpt.startS + excerpt.lengthS)) - x(excerpt.startS)} height={height} fill="var(--accent)" fillOpacity={0.14} />
      )}
      {(peaks ?? []).map((p, i, all) => {
        const bx = (i / all.length) * width;
        const h = Math.max(1, p * (height - 6));
        const played = duration > 0 && bx <= x(position);
        return <rect key={i} x={bx} y={(height - h) / 2} width={Math.max(1, width / all.length - 0.5)} height={h} fill={played ? 'var(--accent)' : 'var(--track)'} />;
      })}
      <line x1={x(position)} x2={x(position)} y1={0} y2={height} stroke="var(--text)" strokeWidth={1.5} />
      {peaks === null && (
        <text x={width / 2} y={height / 2} fill="var(--muted)" textAnchor="middle" dominantBaseline="middle" fontSize={14}>
          drawing waveform…
        </text>
      )}
    </svg>
  );
}
