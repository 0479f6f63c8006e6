import { describe, expect, it } from 'vitest';
import { composeMappings, identityMapping, mapLabels, mappingFromRows, mappingToRows, mapSoftLabels } from '@/lib/taxonomy/mapping';

// v1 → v2: calm + quiet merge into calm, happy splits into joyful + upbeat, sad is renamed blue, noisy is removed.
const v1to2 = { calm: ['calm'], quiet: ['calm'], happy: ['joyful', 'upbeat'], sad: ['blue'], noisy: [] };
// v2 → v3: blue and dark merge into somber, upbeat is removed, joyful and calm unchanged.
const v2to3 = { calm: ['calm'], joyful: ['joyful'], upbeat: [], blue: ['somber'], dark: ['somber'] };

describe('mapLabels', () => {
  it('merge is OR, split copies, removed drops, duplicates collapse', () => {
    expect(mapLabels(['calm', 'quiet', 'happy', 'noisy'], v1to2)).toEqual(['calm', 'joyful', 'upbeat']);
    expect(mapLabels(['sad'], v1to2)).toEqual(['blue']);
    expect(mapLabels([], v1to2)).toEqual([]);
  });

  it('drops keys the mapping does not know, including Object.prototype names', () => {
    expect(mapLabels(['constructor', 'toString', 'calm'], v1to2)).toEqual(['calm']);
  });
});

describe('mapSoftLabels', () => {
  it('merge takes the max posterior, split copies it, removed and unknown are dropped', () => {
    expect(mapSoftLabels({ calm: 0.2, quiet: 0.9, happy: 0.6, sad: 0.1, noisy: 0.99, other: 0.5 }, v1to2)).toEqual({
      calm: 0.9,
      joyful: 0.6,
      upbeat: 0.6,
      blue: 0.1,
    });
  });

  it('keeps a zero posterior (an explicit "no") rather than losing the tag', () => {
    expect(mapSoftLabels({ calm: 0, quiet: 0 }, v1to2)).toEqual({ calm: 0 });
  });
});

describe('composeMappings', () => {
  it('carries v1 through v2 to v3', () => {
    expect(composeMappings(v1to2, v2to3)).toEqual({
      calm: ['calm'],
      quiet: ['calm'],
      happy: ['joyful'],
      sad: ['somber'],
      noisy: [],
    });
  });

  it('composition agrees with mapping twice', () => {
    const labels = ['quiet', 'happy', 'sad'];
    expect(mapLabels(labels, composeMappings(v1to2, v2to3)).sort()).toEqual(mapLabels(mapLabels(labels, v1to2), v2to3).sort());
    const soft = { calm: 0.3, quiet: 0.7, happy: 0.4, sad: 0.8, noisy: 1 };
    expect(mapSoftLabels(soft, composeMappings(v1to2, v2to3))).toEqual(mapSoftLabels(mapSoftLabels(soft, v1to2), v2to3));
  });

  it('the identity is neutral; one step is itself; none is empty', () => {
    const id1 = identityMapping(['calm', 'quiet', 'happy', 'sad', 'noisy']);
    expect(composeMappings(id1, v1to2)).toEqual(v1to2);
    expect(composeMappings(v1to2)).toEqual(v1to2);
    expect(composeMappings()).toEqual({});
  });
});

describe('mappingFromRows', () => {
  it('stored rows are the whole truth: a key without rows was removed; targets follow the new order', () => {
    const rows = mappingToRows(v1to2);
    expect(mappingFromRows(['calm', 'quiet', 'happy', 'sad', 'noisy'], ['upbeat', 'joyful', 'calm', 'blue'], rows)).toEqual({
      calm: ['calm'],
      quiet: ['calm'],
      happy: ['upbeat', 'joyful'],
      sad: ['blue'],
      noisy: [],
    });
  });

  it('a step with no rows maps by key, dropping keys the newer version lacks', () => {
    expect(mappingFromRows(['calm', 'sad'], ['calm', 'happy'], [])).toEqual({ calm: ['calm'], sad: [] });
  });

  it('ignores rows naming a key that either version lacks', () => {
    expect(mappingFromRows(['calm'], ['calm'], [{ fromKey: 'calm', toKey: 'gone' }, { fromKey: 'x', toKey: 'calm' }])).toEqual({ calm: [] });
  });
});
