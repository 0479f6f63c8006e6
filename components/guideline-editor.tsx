'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import {
  GUIDELINE_EXAMPLES_MAX,
  GUIDELINE_TEXT_MAX,
  type ExampleCandidate,
  type TagGuidelineView,
} from '@/lib/guidelines/schemas';
import type { PlayableClip } from '@/lib/catalog/schemas';
import { AudioPlayer } from './audio-player';

/**
 * The expert's guideline editor (/guidelines, experts and admins): per mood, the text and up to
 * three examples picked from clips the crowd or an expert settled with that mood (never gold).
 */
export function GuidelineEditor({ tags }: { tags: TagGuidelineView[] }) {
  return (
    <div className="stack" data-testid="guideline-editor">
      {tags.map((t) => (
        <TagEditor key={t.key} tag={t} />
      ))}
    </div>
  );
}

function TagEditor({ tag }: { tag: TagGuidelineView }) {
  const router = useRouter();
  const [text, setText] = useState(tag.text);
  const [examples, setExamples] = useState<PlayableClip[]>(tag.examples);
  const [candidates, setCandidates] = useState<ExampleCandidate[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const full = examples.length >= GUIDELINE_EXAMPLES_MAX;

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ ok: true, text: await work() });
    } catch (err) {
      setMessage({ ok: false, text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };
  const loadCandidates = () =>
    run(async () => {
      const res = await apiFetch<{ candidates: ExampleCandidate[] }>(`/api/guidelines/${tag.key}/candidates`);
      setCandidates(res.candidates);
      return res.candidates.length
        ? `${res.candidates.length} settled clips with ${tag.label.toLowerCase()}`
        : `No settled clip has ${tag.label.toLowerCase()} yet`;
    });
  const save = () =>
    run(async () => {
      await apiFetch(`/api/guidelines/${tag.key}`, {
        method: 'PUT',
        body: JSON.stringify({ text, exampleClipIds: examples.map((e) => e.id) }),
      });
      router.refresh();
      return 'Saved';
    });

  return (
    <section className="panel stack" data-testid={`guideline-edit-${tag.key}`}>
      <h3 style={{ margin: 0 }}>
        {tag.label} <span className="badge">{tag.key}</span>
      </h3>
      <label className="stack">
        <span className="muted">What {tag.label.toLowerCase()} means here, what it is not, and the borderline cases</span>
        <textarea
          value={text}
          maxLength={GUIDELINE_TEXT_MAX}
          rows={4}
          onChange={(e) => setText(e.target.value)}
          data-testid="guideline-textarea"
        />
        <span className="muted" style={{ fontSize: '0.85em' }}>
          {text.length} / {GUIDELINE_TEXT_MAX}
        </span>
      </label>
      <div className="stack">
        <strong>
          Examples ({examples.length} of at most {GUIDELINE_EXAMPLES_MAX})
        </strong>
        {examples.map((clip) => (
          <div key={clip.id} className="row">
            <span style={{ flex: '1 1 12rem' }}>{clip.title}</span>
            <button
              type="button"
              className="secondary small"
              onClick={() => setExamples(examples.filter((e) => e.id !== clip.id))}
            >
              Remove
            </button>
          </div>
        ))}
        {candidates === null ? (
          <button
            type="button"
            className="secondary"
            onClick={loadCandidates}
            disabled={busy}
            data-testid="guideline-find-examples"
          >
            Find example clips
          </button>
        ) : (
          <ul className="stack" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {candidates
              .filter((c) => !examples.some((e) => e.id === c.id))
              .map((c) => (
                <li key={c.id} className="stack guideline-example" data-testid="guideline-candidate">
                  <span>
                    {c.title}{' '}
                    <span className="muted">
                      · {Math.round(c.posterior * 100)}% {c.labelState === 'expert_resolved' ? '(expert)' : '(crowd)'}
                    </span>
                  </span>
                  <AudioPlayer src={c.audioUrl} startAt={c.excerptStartS} gainDb={c.playbackGainDb} />
                  <button
                    type="button"
                    className="secondary small"
                    disabled={full}
                    onClick={() => setExamples([...examples, c])}
                    data-testid="guideline-add-example"
                  >
                    Use as example
                  </button>
                </li>
              ))}
          </ul>
        )}
      </div>
      <div className="row">
        <button type="button" onClick={save} disabled={busy} data-testid="guideline-save">
          Save {tag.label.toLowerCase()}
        </button>
        {message && (
          <span role="status" className={message.ok ? 'muted' : 'error'}>
            {message.text}
          </span>
        )}
      </div>
    </section>
  );
}
