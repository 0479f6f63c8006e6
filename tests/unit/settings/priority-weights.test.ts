import { describe, expect, it } from 'vitest';
import { blendPriority } from '@/lib/active/priority';
import { productPriorityWeights } from '@/lib/active/simulate';
import { StrategySettingsPatchSchema } from '@/lib/model/schemas';
import { DEFAULT_PRIORITY_WEIGHTS, ProjectSettingsFields, ProjectSettingsPatchSchema } from '@/lib/settings/schemas';

/** priorityWeights is declared once (lib/settings/schemas.ts): the /admin and /models patches take the same limits. */
describe('priority weights: one definition', () => {
  const weights = { uncertainty: 100, disagreement: 0, diversity: 0.3, votesNeeded: 0.5 };

  it('the settings, the admin patch and the /models patch accept 0 to 100', () => {
    // The settings fill in the weights not named (drift and feedback here) with their defaults.
    expect(ProjectSettingsFields.shape.priorityWeights.parse(weights)).toEqual({ ...weights, drift: 0.5, feedback: 0.5 });
    expect(ProjectSettingsPatchSchema.parse({ priorityWeights: weights }).priorityWeights).toEqual(weights);
    expect(StrategySettingsPatchSchema.parse({ priorityWeights: weights }).priorityWeights).toEqual(weights);
  });

  it('all three refuse a weight above 100 or below 0', () => {
    for (const bad of [
      { ...weights, diversity: 101 },
      { ...weights, votesNeeded: -0.1 },
    ]) {
      expect(ProjectSettingsFields.shape.priorityWeights.safeParse(bad).success).toBe(false);
      expect(ProjectSettingsPatchSchema.safeParse({ priorityWeights: bad }).success).toBe(false);
      expect(StrategySettingsPatchSchema.safeParse({ priorityWeights: bad }).success).toBe(false);
    }
  });

  it('a /models patch names only the weights it changes (no defaults filled in) and refuses unknown keys', () => {
    expect(StrategySettingsPatchSchema.parse({ priorityWeights: { diversity: 2 } })).toEqual({
      priorityWeights: { diversity: 2 },
    });
    expect(StrategySettingsPatchSchema.safeParse({ priorityWeights: { diversity: 2 }, goldRate: 0.1 }).success).toBe(false);
  });
});

/** The default weights are declared once too: a new project's settings, `chorus simulate` and the blend's fallback. */
describe('priority weights: one set of defaults', () => {
  const allSignals = { uncertainty: 0.8, disagreement: 0.5, diversity: 0.2, votesNeeded: 1, drift: 0.4, feedback: 0 };

  it("a new project's weights, the simulator's and the blend's fallback are the same six numbers", () => {
    const project = ProjectSettingsFields.parse({}).priorityWeights;
    expect(project).toEqual({ uncertainty: 1, disagreement: 0.7, diversity: 0.3, votesNeeded: 0.5, drift: 0.5, feedback: 0.5 });
    expect(project).toEqual(DEFAULT_PRIORITY_WEIGHTS);
    expect(productPriorityWeights()).toEqual(project);
    expect(blendPriority(allSignals)).toEqual(blendPriority(allSignals, project));
  });

  it('blends all six signals with the defaults as worked by hand', () => {
    // Σw = 1 + 0.7 + 0.3 + 0.5 + 0.5 + 0.5 = 3.5;
    // Σw·s = 1·0.8 + 0.7·0.5 + 0.3·0.2 + 0.5·1 + 0.5·0.4 + 0.5·0 = 0.8 + 0.35 + 0.06 + 0.5 + 0.2 + 0 = 1.91.
    const p = blendPriority(allSignals);
    expect(p.priority).toBeCloseTo(1.91 / 3.5, 12);
    expect(p.terms.map((term) => term.name)).toEqual(['uncertainty', 'votesNeeded', 'disagreement', 'drift', 'diversity', 'feedback']);
    expect(p.terms[0].contribution).toBeCloseTo(0.8 / 3.5, 12);
    expect(p.terms[5]).toMatchObject({ score: 0, contribution: 0 });
    expect(p.terms[5].weight).toBeCloseTo(0.5 / 3.5, 12);
    // Terms reported: contribution ≥ priority / 4 = 0.1364; uncertainty 0.2286 and votesNeeded 0.1429 are, disagreement 0.1 is not.
    expect(p.reason).toBe('model unsure (0.80) · needs votes (1.00)');
  });

  it('a weight left out of a partial set falls back to the project default', () => {
    // uncertainty given as 3, drift falls back to 0.5: (3·1 + 0.5·0.2) / 3.5 = 3.1 / 3.5.
    expect(blendPriority({ uncertainty: 1, drift: 0.2 }, { uncertainty: 3 }).priority).toBeCloseTo(3.1 / 3.5, 12);
  });
});
