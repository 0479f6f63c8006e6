'use client';

import Link from 'next/link';
import { useRef } from 'react';
import { useProjectQueue } from './labeler-queue';
import { PairwiseChoice } from './pairwise-choice';
import { ValenceArousalQuestion } from './labeler-valence-arousal';

/**
 * The labeling screen of a valence–arousal or pairwise project (/p/[slug]): one question at a
 * time, keyboard first, the next question leased and its audio loading while this one plays.
 */
export function ProjectLabeler({
  slug,
  name,
  question,
  instruction,
}: {
  slug: string;
  name: string;
  /** "How does this clip feel?" / "Which is more energetic?": the heading of each question. */
  question: string;
  instruction: string;
}) {
  const { current, next, state, message, done, answer, retry } = useProjectQueue(slug);
  const workArea = useRef<HTMLDivElement>(null);

  const header = (
    <div className="row project-header" style={{ justifyContent: 'space-between', alignItems: 'flex-start' }}>
      <div style={{ flex: '1 1 16rem', minWidth: 0 }}>
        <h1 style={{ margin: 0, fontSize: 'var(--font-lg)' }}>{name}</h1>
        <p className="muted" style={{ margin: 0 }}>
          {instruction}
        </p>
      </div>
      <span className="muted" data-testid="done-count">
        {done} {done === 1 ? 'answer' : 'answers'} this session
      </span>
    </div>
  );
  const notice = message && (
    <p className="error" role="status" data-testid="labeler-message">
      {message}
    </p>
  );

  if (!current) {
    return (
      <div className="stack">
        {header}
        {state === 'empty' ? (
          <section className="panel" data-testid="project-empty">
            <h2 style={{ marginTop: 0 }}>Nothing left for you in this project</h2>
            <p className="muted">
              You have answered every question this project has for you right now
              {done > 0 ? ` (${done} this session)` : ''}. Questions come back when the project gets new clips.
            </p>
            <Link href="/projects">Back to your projects</Link>
          </section>
        ) : (
          <section className="panel stack" data-testid="project-loading">
            {state === 'error' ? (
              <>
                {notice}
                <div className="row">
                  <button type="button" onClick={retry} data-testid="retry">
                    Try again
                  </button>
                </div>
              </>
            ) : (
              <p className="muted">Finding the next question for you…</p>
            )}
          </section>
        )}
        {state !== 'error' && notice}
      </div>
    );
  }

  return (
    <div className="stack work-area" ref={workArea} tabIndex={-1} data-testid="work-area">
      {header}
      {notice}
      {current.type === 'pairwise' ? (
        <PairwiseChoice key={current.lease.id} task={current} question={question} onAnswer={answer} workArea={workArea} />
      ) : (
        <ValenceArousalQuestion key={current.lease.id} task={current} question={question} onAnswer={answer} workArea={workArea} />
      )}
      {/* The next question's audio loads while this one plays (see components/labeler.tsx). */}
      {next && next.type === 'pairwise'
        ? [next.a, next.b].map((clip) => <audio key={clip.id} preload="auto" src={clip.audioUrl} data-testid="preloaded-audio" hidden />)
        : next && <audio preload="auto" src={next.clip.audioUrl} data-testid="preloaded-audio" hidden />}
    </div>
  );
}
