'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ScrollTable, SortHeader, TablePager, TableSearch, useTableView } from '@/components/table-view';
import { apiFetch } from '@/lib/client/api';
import type { ProjectAnnotatorView, ProjectResults, ProjectScore, VaHeadsView, VaPredictionView } from '@/lib/projects/schemas';
import { ResultsCircumplex } from './results-circumplex';
import { comparerWords, plusMinus, raterWords } from './results-words';

/**
 * The results of a valence–arousal or pairwise project for experts, engineers and admins: the
 * aggregate per clip and what the model learned about each contributor. `canRecompute` (the
 * project's engineers and admins) adds "Recompute now" and the export links.
 */
export function ProjectResultsView({ results, canRecompute }: { results: ProjectResults; canRecompute: boolean }) {
  const { project } = results;
  const pairwise = project.questionType === 'pairwise';
  return (
    <div className="stack" data-testid="project-results">
      <div className="panel stack">
        <h1 style={{ margin: 0, overflowWrap: 'anywhere' }}>{project.name}: results</h1>
        <p className="muted" style={{ margin: 0 }}>
          {pairwise
            ? `Ranking by “which is more ${project.attribute ?? '…'}?”, from ${project.answerCount} comparisons (Crowd-BT: each contributor's agreement with the consensus weighs their answers).`
            : `Valence and arousal per clip from ${project.answerCount} ratings, corrected for each rater's bias, scale and noise.`}{' '}
          {results.fittedAt ? `Computed ${new Date(results.fittedAt).toLocaleString()}.` : 'Not computed yet: results appear within a minute of the first answers.'}
        </p>
        {canRecompute && <Recompute slug={project.slug} />}
      </div>
      {pairwise ? (
        <Ranking scores={results.scores} attribute={project.attribute ?? ''} />
      ) : (
        <Ratings scores={results.scores} heads={results.heads} predictions={results.predictions} />
      )}
      <Annotators annotators={results.annotators} pairwise={pairwise} />
    </div>
  );
}

function Recompute({ slug }: { slug: string }) {
  const router = useRouter();
  const [state, setState] = useState<{ busy: boolean; message: string; error: boolean }>({ busy: false, message: '', error: false });
  const run = async () => {
    setState({ busy: true, message: '', error: false });
    try {
      const r = await apiFetch<{ jobId: string | null; result?: { status: string } }>(`/api/projects/${encodeURIComponent(slug)}/aggregate`, {
        method: 'POST',
        body: '{}',
      });
      setState({ busy: false, message: r.result ? 'Recomputed.' : 'Queued: the new results appear when the job finishes (reload).', error: false });
      router.refresh();
    } catch (err) {
      setState({ busy: false, message: (err as Error).message, error: true });
    }
  };
  const base = `/api/projects/${encodeURIComponent(slug)}/export`;
  return (
    <div className="row" style={{ flexWrap: 'wrap', gap: 'var(--space-2)' }}>
      <button type="button" onClick={run} disabled={state.busy} data-testid="recompute">
        {state.busy ? 'Recomputing…' : 'Recompute now'}
      </button>
      <span className="muted">Download:</span>
      <a href={`${base}?format=csv`}>CSV</a>
      <a href={`${base}?format=jsonl`}>JSONL</a>
      <a href={`${base}?format=parquet`}>Parquet</a>
      <a href={`${base}?what=answers&format=csv`}>raw answers (CSV)</a>
      {state.message && (
        <span role="status" className={state.error ? 'error' : 'muted'}>
          {state.message}
        </span>
      )}
    </div>
  );
}

const clipText = (s: ProjectScore) => `${s.title} ${s.artist}`;

/** The regression heads' state in one line: what they were trained on and how well they predict clips they did not see. */
function HeadsLine({ heads }: { heads: VaHeadsView | null }) {
  return (
    <p className="muted" style={{ margin: 0 }} data-testid="results-heads">
      {heads
        ? `Audio model: trained on ${heads.n} rated clips (ridge λ = ${heads.lambda}); cross-validated error ${heads.valenceCvRmse.toFixed(2)} valence, ${heads.arousalCvRmse.toFixed(2)} arousal. It predicts the clips nobody rated, and the queue asks first about those it is least sure of.`
        : 'Audio model: not trained yet (it needs 10 rated clips with audio features).'}
    </p>
  );
}

function Ratings({ scores, heads, predictions }: { scores: ProjectScore[]; heads: VaHeadsView | null; predictions: VaPredictionView[] }) {
  const predicted = new Map(predictions.map((p) => [p.clipId, p]));
  const view = useTableView(scores, {
    columns: {
      title: { value: (s) => s.title },
      valence: { value: (s) => s.valence, first: 'desc' },
      arousal: { value: (s) => s.arousal, first: 'desc' },
      spread: { value: (s) => (s.valenceSd === null ? null : Math.hypot(s.valenceSd, s.arousalSd ?? 0)), first: 'desc' },
      ratings: { value: (s) => s.answerCount, first: 'desc' },
      predicted: { value: (s) => predicted.get(s.clipId)?.valence ?? null, first: 'desc' },
    },
    initialSort: 'title',
    text: clipText,
  });
  return (
    <section className="panel stack" aria-labelledby="results-clips">
      <h2 id="results-clips" style={{ margin: 0 }}>
        Clips
      </h2>
      <ResultsCircumplex scores={scores} />
      <HeadsLine heads={heads} />
      <TableSearch view={view} label="Find a clip" placeholder="title or artist" />
      <ScrollTable
        labelledBy="results-clips"
        testId="results-clips-table"
        head={
          <>
            <SortHeader view={view} column="title">
              Clip
            </SortHeader>
            <SortHeader view={view} column="valence" title="How pleasant, −1 … 1, ± one standard deviation">
              Valence
            </SortHeader>
            <SortHeader view={view} column="arousal" title="How energetic, −1 … 1, ± one standard deviation">
              Arousal
            </SortHeader>
            <SortHeader view={view} column="ratings">
              Ratings
            </SortHeader>
            <SortHeader view={view} column="predicted" title="Clips nobody rated: the audio model's valence and arousal, ± its predictive sd">
              Predicted
            </SortHeader>
          </>
        }
      >
        {view.rows.map((s) => {
          const p = predicted.get(s.clipId);
          return (
            <tr key={s.clipId}>
              <td style={{ overflowWrap: 'break-word' }}>
                {s.title}
                {s.artist && <div className="muted">{s.artist}</div>}
              </td>
              <td>{plusMinus(s.valence, s.valenceSd)}</td>
              <td>{plusMinus(s.arousal, s.arousalSd)}</td>
              <td>{s.answerCount}</td>
              <td className="muted">
                {p ? (
                  <>
                    <div>V {plusMinus(p.valence, p.valenceSd)}</div>
                    <div>A {plusMinus(p.arousal, p.arousalSd)}</div>
                  </>
                ) : (
                  '–'
                )}
              </td>
            </tr>
          );
        })}
      </ScrollTable>
      <TablePager view={view} noun="clips" />
    </section>
  );
}

function Ranking({ scores, attribute }: { scores: ProjectScore[]; attribute: string }) {
  const view = useTableView(scores, {
    columns: {
      rank: { value: (s) => s.rank },
      title: { value: (s) => s.title },
      score: { value: (s) => s.score, first: 'desc' },
      comparisons: { value: (s) => s.answerCount, first: 'desc' },
    },
    initialSort: 'rank',
    text: clipText,
  });
  return (
    <section className="panel stack" aria-labelledby="results-ranking">
      <h2 id="results-ranking" style={{ margin: 0 }}>
        Ranking: most {attribute} first
      </h2>
      <p className="muted" style={{ margin: 0 }}>
        The score is a log-strength: a clip scoring 1 more than another is judged more {attribute} about 73 % of the time. Clips not compared yet have
        no rank.
      </p>
      <TableSearch view={view} label="Find a clip" placeholder="title or artist" />
      <ScrollTable
        labelledBy="results-ranking"
        testId="results-ranking-table"
        head={
          <>
            <SortHeader view={view} column="rank">
              Rank
            </SortHeader>
            <SortHeader view={view} column="title">
              Clip
            </SortHeader>
            <SortHeader view={view} column="score" title="Bradley–Terry log-strength ± one standard deviation">
              Score
            </SortHeader>
            <SortHeader view={view} column="comparisons">
              Comparisons
            </SortHeader>
          </>
        }
      >
        {view.rows.map((s) => (
          <tr key={s.clipId}>
            <td>{s.rank ?? '–'}</td>
            <td style={{ overflowWrap: 'break-word' }}>
              {s.title}
              {s.artist && <div className="muted">{s.artist}</div>}
            </td>
            <td>{plusMinus(s.score, s.scoreSd)}</td>
            <td>{s.answerCount}</td>
          </tr>
        ))}
      </ScrollTable>
      <TablePager view={view} noun="clips" />
    </section>
  );
}

function Annotators({ annotators, pairwise }: { annotators: ProjectAnnotatorView[]; pairwise: boolean }) {
  const view = useTableView(annotators, {
    columns: {
      name: { value: (a) => a.name },
      answers: { value: (a) => a.answerCount, first: 'desc' },
      quality: { value: (a) => (pairwise ? (a.params.eta ?? null) : (a.params.valenceNoise ?? null)), first: pairwise ? 'asc' : 'desc' },
    },
    initialSort: 'answers',
    text: (a) => a.name,
  });
  const flagged = pairwise ? annotators.filter((a) => comparerWords(a.params.eta).adversary).length : 0;
  return (
    <section className="panel stack" aria-labelledby="results-annotators">
      <h2 id="results-annotators" style={{ margin: 0 }}>
        Contributors
      </h2>
      {flagged > 0 && (
        <p className="error" style={{ margin: 0 }} data-testid="results-adversaries">
          {flagged === 1 ? '1 contributor answers' : `${flagged} contributors answer`} against the consensus more often than with it: their answers
          count reversed. Check their work.
        </p>
      )}
      <ScrollTable
        labelledBy="results-annotators"
        testId="results-annotators-table"
        head={
          <>
            <SortHeader view={view} column="name">
              Contributor
            </SortHeader>
            <SortHeader view={view} column="answers">
              Answers
            </SortHeader>
            {pairwise ? (
              <SortHeader view={view} column="quality" title="Crowd-BT reliability η">
                Agreement
              </SortHeader>
            ) : (
              <SortHeader view={view} column="quality" title="Bias, scale and noise on each axis, noisiest first">
                How they rate
              </SortHeader>
            )}
          </>
        }
      >
        {view.rows.map((a) => {
          const rater = pairwise ? null : raterWords(a.params);
          const comparer = pairwise ? comparerWords(a.params.eta) : null;
          return (
            <tr key={a.userId}>
              <td style={{ overflowWrap: 'break-word' }}>{a.name}</td>
              <td>{a.answerCount}</td>
              {comparer ? (
                <td className={comparer.adversary ? 'error' : undefined}>{comparer.text}</td>
              ) : (
                <td>
                  <div>Valence: {rater!.valence}</div>
                  <div>Arousal: {rater!.arousal}</div>
                </td>
              )}
            </tr>
          );
        })}
      </ScrollTable>
      <TablePager view={view} noun="contributors" />
    </section>
  );
}
