'use client';

import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { focusWorkArea, useHotkeys, useRefocus, type Hotkey } from '@/lib/client/hotkeys';
import type { PlayableClip } from '@/lib/catalog/schemas';
import type { ProjectTask } from '@/lib/projects/schemas';
import { AudioPlayer, type PlayerControl } from '../audio-player';
import { KeyHints } from '../work-dialogs';
import type { AnswerFields } from './labeler-queue';

type PairwiseTask = Extract<ProjectTask, { type: 'pairwise' }>;

/**
 * One comparison of a pairwise project: two clips side by side (stacked on a phone), "which is
 * more <attribute>?", 1 / 2 / 0. Only one clip sounds at a time: starting one pauses the other.
 * Mounted once per question (keyed by lease).
 */
export function PairwiseChoice({
  task,
  question,
  onAnswer,
  workArea,
}: {
  task: PairwiseTask;
  question: string;
  onAnswer: (fields: AnswerFields) => void;
  workArea: RefObject<HTMLDivElement | null>;
}) {
  const [help, setHelp] = useState(false);
  const playerA = useRef<PlayerControl>(null);
  const playerB = useRef<PlayerControl>(null);
  const both = useRef<HTMLDivElement>(null);
  /**
   * Which clips may sound. Each player starts itself once its audio is loaded; A may, B waits until
   * the person asks for it (its key, or a touch on its side), so the two never start together.
   */
  const wanted = useRef({ a: true, b: false });
  const refocus = useRefocus(workArea);

  useEffect(() => focusWorkArea(workArea), [workArea]);

  useEffect(() => {
    const el = both.current;
    if (!el) return;
    // 'play' does not bubble, but it is captured on the way down: one listener sees both players.
    const sideOf = (target: EventTarget | null) =>
      target instanceof Element ? (target.closest('[data-side]')?.getAttribute('data-side') as 'a' | 'b' | undefined) : undefined;
    const onPlay = (event: Event) => {
      const started = event.target;
      if (!(started instanceof HTMLMediaElement)) return;
      const side = sideOf(started);
      if (side && !wanted.current[side]) {
        started.pause();
        return;
      }
      for (const audio of el.querySelectorAll('audio')) if (audio !== started && !audio.paused) audio.pause();
    };
    const onPointer = (event: Event) => {
      const side = sideOf(event.target);
      if (side) wanted.current[side] = true;
    };
    el.addEventListener('play', onPlay, true);
    el.addEventListener('pointerdown', onPointer, true);
    return () => {
      el.removeEventListener('play', onPlay, true);
      el.removeEventListener('pointerdown', onPointer, true);
    };
  }, []);

  const play = useCallback(
    (side: 'a' | 'b') => {
      wanted.current[side] = true;
      (side === 'a' ? playerA : playerB).current?.toggle();
    },
    [playerA, playerB],
  );

  const bindings = useMemo<Hotkey[]>(
    () => [
      { keys: '1', label: 'The first clip (A)', run: () => onAnswer({ choice: 'a' }) },
      { keys: '2', label: 'The second clip (B)', run: () => onAnswer({ choice: 'b' }) },
      { keys: ['0', '='], label: 'About the same', display: '0 / =', run: () => onAnswer({ choice: 'same' }) },
      { keys: 'a', label: 'Play / pause the first clip', run: () => play('a') },
      { keys: 'b', label: 'Play / pause the second clip', run: () => play('b') },
      {
        keys: 'space',
        label: 'Play / pause the clip that is playing (else the first)',
        run: () => play(playerB.current?.playing ? 'b' : 'a'),
      },
      { keys: 's', label: 'Skip this comparison', run: () => onAnswer({ skip: true }) },
      { keys: '?', label: 'Show these keys', keepFocus: true, run: () => setHelp(true) },
    ],
    [onAnswer, play, playerB],
  );
  useHotkeys(bindings, { workArea });

  return (
    <>
      <section className="panel stack" data-testid="pair" data-clip-a={task.a.id} data-clip-b={task.b.id}>
        <h2 style={{ margin: 0 }} data-testid="pair-question">
          {question}
        </h2>
        <div className="pairwise-clips" ref={both}>
          <Side side="a" clip={task.a} number="1" attribute={task.attribute} control={playerA} onChoose={() => onAnswer({ choice: 'a' })} />
          <Side side="b" clip={task.b} number="2" attribute={task.attribute} control={playerB} onChoose={() => onAnswer({ choice: 'b' })} />
        </div>
        <div className="row">
          <button type="button" className="secondary" onClick={() => onAnswer({ choice: 'same' })} data-testid="choose-same">
            About the same <kbd>0</kbd>
          </button>
          <button type="button" className="secondary" onClick={() => onAnswer({ skip: true })} data-testid="skip">
            Skip <kbd>S</kbd>
          </button>
        </div>
      </section>
      <KeyHints
        touchHint="Play each clip, then tap the one that fits better, or About the same."
        bindings={bindings}
        open={help}
        onOpen={() => setHelp(true)}
        onClose={() => {
          setHelp(false);
          refocus();
        }}
      >
        <kbd>A</kbd> / <kbd>B</kbd> play · <kbd>1</kbd> / <kbd>2</kbd> choose · <kbd>0</kbd> about the same · <kbd>S</kbd> skip ·{' '}
        <kbd>Space</kbd> play/pause
      </KeyHints>
    </>
  );
}

function Side({
  side,
  clip,
  number,
  attribute,
  control,
  onChoose,
}: {
  side: 'a' | 'b';
  clip: PlayableClip;
  number: string;
  attribute: string;
  control: RefObject<PlayerControl | null>;
  onChoose: () => void;
}) {
  const letter = side.toUpperCase();
  return (
    <div className="pairwise-side stack" data-side={side} data-testid={`side-${side}`} data-clip-id={clip.id}>
      <div style={{ minWidth: 0 }}>
        <h3 style={{ margin: 0 }}>
          <span className="badge" aria-hidden="true">
            {letter}
          </span>{' '}
          <span className="visually-hidden">Clip {letter}: </span>
          {clip.title}
        </h3>
        <span className="muted" style={{ overflowWrap: 'anywhere' }}>
          {clip.artist}
        </span>
      </div>
      <AudioPlayer control={control} src={clip.audioUrl} startAt={clip.excerptStartS} gainDb={clip.playbackGainDb} />
      <p className="muted key-hints" style={{ margin: 0 }}>
        <kbd>{letter}</kbd> plays this clip
      </p>
      <button type="button" onClick={onChoose} data-testid={`choose-${side}`}>
        <kbd>{number}</kbd> {letter} is more {attribute}
      </button>
    </div>
  );
}
