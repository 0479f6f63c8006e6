import { describe, expect, it } from 'vitest';
import { StrategySettingsPatchSchema } from '@/lib/model/schemas';
import { ProjectSettingsFields, ProjectSettingsPatchSchema } from '@/lib/settings/schemas';

/** priorityWeights is declared once (lib/settings/schemas.ts): the /admin and /models patches take the same limits. */
describe('priority weights: one definition', () => {
  const weights = { uncertainty: 100, disagreement: 0, diversity: 0.3, votesNeeded: 0.5 };

  it('the settings, the admin patch and the /models patch accept 0 to 100', () => {
    expect(ProjectSettingsFields.shape.priorityWeights.parse(weights)).toEqual(weights);
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
