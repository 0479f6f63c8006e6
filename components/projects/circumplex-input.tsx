'use client';

import { useId, type PointerEvent } from 'react';
import {
  describePoint,
  MOOD_ANCHORS,
  anchorPoint,
  pixelsPercent,
  pointFromPixels,
  pointNumbers,
  pointWords,
  type CircumplexPoint,
} from '@/lib/projects/circumplex';

/** The words sit inside the square, on a circle a little smaller than the inscribed one, so none spills over the edge on a phone. */
const ANCHOR_RADIUS = 0.74;

/**
 * Where a clip sits on Russell's circumplex: valence left to right, arousal bottom to top, the mood
 * words around it as landmarks. A click or tap (or a drag) sets the point; the screen's arrow keys
 * move it (components/projects/labeler-valence-arousal.tsx binds them, so they work wherever the
 * focus is). For screen readers the same point is two linked sliders, each with its value in words;
 * the drawn plane is hidden from them. Nothing is set until the person sets it.
 */
export function CircumplexInput({
  label,
  value,
  onChange,
  onPointerDone,
}: {
  /** The question the point answers ("How does this clip feel?"): the group's name. */
  label: string;
  value: CircumplexPoint | null;
  onChange: (point: CircumplexPoint) => void;
  /** After a click or drag: the screen takes the keyboard back. */
  onPointerDone?: () => void;
}) {
  const id = useId();
  const described = value ? describePoint(value) : null;

  const place = (e: PointerEvent<HTMLDivElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    onChange(pointFromPixels(e.clientX - rect.left, e.clientY - rect.top, rect.width, rect.height));
  };
  const marker = value ? pixelsPercent(value) : null;

  return (
    <div className="circumplex stack" role="group" aria-labelledby={`${id}-title`} data-testid="circumplex">
      <p id={`${id}-title`} className="circumplex-title">
        <strong>{label}</strong>
      </p>
      <div
        className="circumplex-plane"
        aria-hidden="true"
        data-testid="circumplex-plane"
        onPointerDown={(e) => {
          if (e.button !== 0) return;
          e.currentTarget.setPointerCapture(e.pointerId);
          place(e);
        }}
        onPointerMove={(e) => {
          if (e.currentTarget.hasPointerCapture(e.pointerId)) place(e);
        }}
        onPointerUp={(e) => {
          e.currentTarget.releasePointerCapture(e.pointerId);
          onPointerDone?.();
        }}
      >
        <span className="circumplex-ring" />
        <span className="circumplex-axis circumplex-axis-x" />
        <span className="circumplex-axis circumplex-axis-y" />
        <span className="circumplex-pole circumplex-pole-top">energetic</span>
        <span className="circumplex-pole circumplex-pole-bottom">calm</span>
        <span className="circumplex-pole circumplex-pole-left">unpleasant</span>
        <span className="circumplex-pole circumplex-pole-right">pleasant</span>
        {MOOD_ANCHORS.map((anchor) => {
          const at = pixelsPercent(anchorPoint(anchor, ANCHOR_RADIUS));
          return (
            <span key={anchor.word} className="circumplex-anchor" style={{ left: `${at.left}%`, top: `${at.top}%` }}>
              {anchor.word}
            </span>
          );
        })}
        {marker && (
          <span
            className="circumplex-marker"
            data-testid="circumplex-marker"
            style={{ left: `${marker.left}%`, top: `${marker.top}%` }}
          />
        )}
      </div>
      <div className="visually-hidden">
        <AxisSlider axis="valence" label="Valence: unpleasant to pleasant" value={value} onChange={onChange} described={described} />
        <AxisSlider axis="arousal" label="Arousal: calm to energetic" value={value} onChange={onChange} described={described} />
      </div>
      <p className="circumplex-readout" data-testid="circumplex-readout" data-set={value ? 'true' : 'false'}>
        {value ? (
          <>
            <strong>{pointWords(value)}</strong>{' '}
            <span className="muted" style={{ fontVariantNumeric: 'tabular-nums' }}>
              ({pointNumbers(value)})
            </span>
          </>
        ) : (
          <span className="muted">No point yet: click or tap where the clip sits, or use the arrow keys.</span>
        )}
      </p>
    </div>
  );
}

/** One coordinate as a native range input: what a screen reader reads and moves. */
function AxisSlider({
  axis,
  label,
  value,
  onChange,
  described,
}: {
  axis: 'valence' | 'arousal';
  label: string;
  value: CircumplexPoint | null;
  onChange: (point: CircumplexPoint) => void;
  described: string | null;
}) {
  return (
    <label>
      {label}
      <input
        type="range"
        min={-1}
        max={1}
        step={0.05}
        data-axis={axis}
        data-testid={`circumplex-${axis}`}
        value={value?.[axis] ?? 0}
        aria-valuetext={described ?? 'not set yet'}
        onChange={(e) => {
          const from = value ?? { valence: 0, arousal: 0 };
          onChange({ ...from, [axis]: Number(e.target.value) });
        }}
      />
    </label>
  );
}
