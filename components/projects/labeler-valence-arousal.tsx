'use client';

import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { focusWorkArea, useHotkeys, useRefocus, type Hotkey } from '@/lib/client/hotkeys';
import { ARROW_KEYS, stepPoint, type CircumplexPoint } from '@/lib/projects/circumplex';
import type { ProjectTask } from '@/lib/projects/schemas';
import { AudioPlayer, type PlayerControl } from '../audio-player';
import { KeyHints } from '../work-dialogs';
import { CircumplexInput } from './circumplex-input';
import type { AnswerFields } from './labeler-queue';

type ValenceArousalTask = Extract<ProjectTask, { type: 'valence_arousal' }>;

/** The slider a key went to, if it went to one of the plane's two screen-reader sliders. */
function sliderAxis(event: KeyboardEvent): 'valence' | 'arousal' | undefined {
  const axis = event.target instanceof HTMLElement ? event.target.dataset.axis : undefined;
  return axis === 'valence' || axis === 'arousal' ? axis : undefined;
}

/**
 * One clip of a valence–arousal project: play it, set its point on the circumplex, Enter. Mounted
 * once per question (keyed by lease), so a new clip starts with no point set.
 */
export function ValenceArousalQuestion({
  task,
  question,
  onAnswer,
  workArea,
}: {
  task: ValenceArousalTask;
  question: string;
  onAnswer: (fields: AnswerFields) => void;
  workArea: RefObject<HTMLDivElement | null>;
}) {
  const [point, setPoint] = useState<CircumplexPoint | null>(null);
  const [hint, setHint] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  const player = useRef<PlayerControl>(null);
  const refocus = useRefocus(workArea);

  // A new clip: the keyboard is the screen's again, whatever had it.
  useEffect(() => focusWorkArea(workArea), [workArea]);

  const move = useCallback((next: CircumplexPoint) => {
    setPoint(next);
    setHint(null);
  }, []);

  const submit = useCallback(() => {
    if (!point) {
      setHint('Set a point first: click or tap the square, or use the arrow keys. S skips this clip.');
      return;
    }
    onAnswer({ valence: point.valence, arousal: point.arousal });
  }, [onAnswer, point]);

  const bindings = useMemo<Hotkey[]>(
    () => [
      { keys: 'space', label: 'Play / pause', run: () => player.current?.toggle() },
      ...ARROW_KEYS.map(
        (key, i): Hotkey => ({
          keys: [key.toLowerCase(), `shift+${key.toLowerCase()}`],
          label: 'Move the point (Shift: bigger steps)',
          display: '← ↑ → ↓',
          hidden: i > 0,
          // A slider reached with Tab keeps the focus, so a screen reader keeps reading it.
          keepFocus: true,
          run: (event) => {
            setPoint((p) => stepPoint(p, key, { shift: event.shiftKey, axis: sliderAxis(event) }));
            setHint(null);
          },
        }),
      ),
      { keys: 'enter', label: 'Submit the point', run: submit },
      { keys: 's', label: 'Skip this clip', run: () => onAnswer({ skip: true }) },
      { keys: '?', label: 'Show these keys', keepFocus: true, run: () => setHelp(true) },
    ],
    [onAnswer, submit],
  );
  useHotkeys(bindings, { workArea });

  return (
    <>
      <section className="panel stack" data-testid="clip" data-clip-id={task.clip.id}>
        <div style={{ minWidth: 0 }}>
          <h2 style={{ margin: 0 }} data-testid="clip-title">
            {task.clip.title}
          </h2>
          <span className="muted" style={{ overflowWrap: 'anywhere' }}>
            {task.clip.artist}
          </span>
        </div>
        <AudioPlayer control={player} src={task.clip.audioUrl} startAt={task.clip.excerptStartS} gainDb={task.clip.playbackGainDb} />
        <CircumplexInput label={question} value={point} onChange={move} onPointerDone={refocus} />
        <div className="row">
          <button type="button" onClick={submit} disabled={!point} data-testid="submit">
            Submit <kbd>Enter</kbd>
          </button>
          <button type="button" className="secondary" onClick={() => onAnswer({ skip: true })} data-testid="skip">
            Skip <kbd>S</kbd>
          </button>
        </div>
        {hint && (
          <p className="error" role="status" data-testid="pick-hint">
            {hint}
          </p>
        )}
      </section>
      <KeyHints
        touchHint="Tap where the clip sits (drag to adjust), then Submit."
        bindings={bindings}
        open={help}
        onOpen={() => setHelp(true)}
        onClose={() => {
          setHelp(false);
          refocus();
        }}
      >
        Click the square · <kbd>←</kbd> <kbd>↑</kbd> <kbd>→</kbd> <kbd>↓</kbd> move (<kbd>Shift</kbd> bigger steps) · <kbd>Enter</kbd> submit ·{' '}
        <kbd>S</kbd> skip · <kbd>Space</kbd> play/pause
      </KeyHints>
    </>
  );
}
