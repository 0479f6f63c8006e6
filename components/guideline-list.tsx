'use client';

import { AudioPlayer } from './audio-player';
import type { TagGuidelineView } from '@/lib/guidelines/schemas';

/**
 * Every mood with its guideline and playable examples: the onboarding page, /guidelines and the
 * labeler's guidelines dialog show the same list. Plain text only (white-space kept, never HTML).
 */
export function GuidelineList({ tags }: { tags: TagGuidelineView[] }) {
  return (
    <div className="stack" data-testid="guideline-list">
      {tags.map((t) => (
        <section key={t.key} className="panel stack guideline" data-testid={`guideline-${t.key}`}>
          <h3 style={{ margin: 0 }}>{t.label}</h3>
          {t.description && (
            <p className="muted" style={{ margin: 0 }}>
              {t.description}
            </p>
          )}
          {t.text ? (
            <p style={{ margin: 0, whiteSpace: 'pre-wrap' }} data-testid="guideline-text">
              {t.text}
            </p>
          ) : (
            <p className="muted" style={{ margin: 0 }}>
              No guideline written yet beyond the short description.
            </p>
          )}
          {t.examples.length > 0 && (
            <div className="stack">
              <strong>
                {t.examples.length === 1 ? 'An example' : `${t.examples.length} examples`} of {t.label.toLowerCase()}
              </strong>
              {t.examples.map((clip) => (
                <div key={clip.id} className="stack guideline-example" data-testid="guideline-example">
                  <span>
                    {clip.title}
                    {clip.artist && <span className="muted"> · {clip.artist}</span>}
                  </span>
                  <AudioPlayer src={clip.audioUrl} startAt={clip.excerptStartS} gainDb={clip.playbackGainDb} />
                </div>
              ))}
            </div>
          )}
        </section>
      ))}
    </div>
  );
}
