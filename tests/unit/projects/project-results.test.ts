/**
 * The results view renders both question types from a results body: the circumplex with one
 * ellipse per rated clip, the tables, the words per contributor, the adversary flag, and the
 * recompute/export controls only for those who may use them. No colour literal anywhere.
 */
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { readFileSync } from 'node:fs';
import type { ProjectResults, ProjectScore } from '@/lib/projects/schemas';

vi.mock('next/navigation', () => ({ useRouter: () => ({ refresh: () => undefined }) }));
const { ProjectResultsView } = await import('@/components/projects/project-results');

const project = (questionType: 'valence_arousal' | 'pairwise'): ProjectResults['project'] => ({
  id: '00000000-0000-4000-8000-000000000001',
  slug: 'p1',
  name: 'Plane',
  description: '',
  questionType,
  attribute: questionType === 'pairwise' ? 'energetic' : null,
  clipFilter: {},
  settings: { overlap: 3, leaseMinutes: 10 },
  openToAll: false,
  myRole: 'expert',
  itemCount: 2,
  answerCount: 5,
  createdAt: '2026-12-01T00:00:00.000Z',
});
const score = (over: Partial<ProjectScore>): ProjectScore => ({
  clipId: '00000000-0000-4000-8000-00000000000a',
  sha256: 'a'.repeat(64),
  title: 'Calm <one>',
  artist: 'Ann',
  answerCount: 3,
  valence: null,
  valenceSd: null,
  arousal: null,
  arousalSd: null,
  score: null,
  scoreSd: null,
  rank: null,
  ...over,
});

describe('project results view', () => {
  it('valence–arousal: a point and an ellipse per rated clip, values ± sd, raters in words', () => {
    const html = renderToStaticMarkup(
      createElement(ProjectResultsView, {
        canRecompute: false,
        results: {
          project: project('valence_arousal'),
          scores: [
            score({ valence: 0.42, valenceSd: 0.1, arousal: -0.3, arousalSd: 0.2 }),
            score({ clipId: '00000000-0000-4000-8000-00000000000b', title: 'Unrated', answerCount: 0 }),
          ],
          annotators: [
            {
              userId: '00000000-0000-4000-8000-0000000000c1',
              name: 'Rita',
              answerCount: 3,
              params: { valenceBias: 0.3, valenceScale: 1, valenceNoise: 0.05, arousalBias: 0, arousalScale: 1, arousalNoise: 0.05 },
            },
          ],
          fittedAt: '2026-12-06T03:00:00.000Z',
          heads: {
            n: 12,
            lambda: 0.1,
            valenceCvRmse: 0.123,
            arousalCvRmse: 0.2,
            extractorVersion: 'x-1',
            trainedAt: '2026-12-06T03:00:00.000Z',
          },
          predictions: [{ clipId: '00000000-0000-4000-8000-00000000000b', valence: -0.25, valenceSd: 0.31, arousal: 0.5, arousalSd: 0.12 }],
        },
      }),
    );
    // The regression heads' state, and the unrated clip's prediction in its own column.
    expect(html).toContain('trained on 12 rated clips (ridge λ = 0.1); cross-validated error 0.12 valence, 0.20 arousal');
    expect(html).toContain('V -0.25 ± 0.31');
    expect(html).toContain('A 0.50 ± 0.12');
    expect(html.match(/<ellipse /g)).toHaveLength(1);
    expect(html).toContain('cx="0.42" cy="0.3"');
    expect(html).toContain('0.42 ± 0.10');
    expect(html).toContain('-0.30 ± 0.20');
    expect(html).toContain('1 clip has no rating yet');
    expect(html).toContain('rates 0.30 more pleasant than the crowd');
    // Titles are text, never markup; no recompute for an expert.
    expect(html).toContain('Calm &lt;one&gt;');
    expect(html).not.toContain('Recompute now');
  });

  it('pairwise: the ranking, agreement in words, adversaries flagged; engineers get recompute and downloads', () => {
    const html = renderToStaticMarkup(
      createElement(ProjectResultsView, {
        canRecompute: true,
        results: {
          project: project('pairwise'),
          scores: [score({ rank: 1, score: 1.25, scoreSd: 0.5, answerCount: 4 })],
          annotators: [
            { userId: '00000000-0000-4000-8000-0000000000c1', name: 'Good', answerCount: 4, params: { eta: 0.92 } },
            { userId: '00000000-0000-4000-8000-0000000000c2', name: 'Bad', answerCount: 4, params: { eta: 0.2 } },
          ],
          fittedAt: null,
          heads: null,
          predictions: [],
        },
      }),
    );
    // Pairwise projects have no regression heads: no heads line at all.
    expect(html).not.toContain('results-heads');
    expect(html).toContain('Ranking: most energetic first');
    expect(html).toContain('1.25 ± 0.50');
    expect(html).toContain('agrees with the consensus 92 % of the time');
    expect(html).toContain('only 20 % of the time');
    expect(html).toContain('1 contributor answers');
    expect(html).toContain('Recompute now');
    expect(html).toContain('/api/projects/p1/export?format=parquet');
    expect(html).toContain('Not computed yet');
  });

  it('uses theme tokens only: no hex colour in the results components', () => {
    for (const file of ['project-results.tsx', 'results-circumplex.tsx', 'results-words.ts']) {
      const source = readFileSync(`components/projects/${file}`, 'utf8');
      expect(source, file).not.toMatch(/#[0-9a-fA-F]{3,8}\b/);
    }
  });
});
