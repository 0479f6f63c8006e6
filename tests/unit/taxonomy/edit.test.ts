import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/errors';
import { applyTaxonomyEdits, describeTaxonomyEdit, previewTaxonomyTags } from '@/lib/taxonomy/edit';
import { TaxonomyEditOpSchema, type Tag, type TaxonomyEditOpInput } from '@/lib/taxonomy/schemas';
import { createRng, type Rng } from '@/lib/util/random';

const tag = (key: string, label = key[0].toUpperCase() + key.slice(1), description = ''): Tag => ({ key, label, description });
const v1 = { version: 1, tags: ['happy', 'sad', 'calm', 'dreamy', 'dark'].map((k) => tag(k)) };

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected an error');
}

describe('applyTaxonomyEdits: hand-worked cases', () => {
  it('rename + merge + split + add + remove', () => {
    const result = applyTaxonomyEdits(v1, [
      { op: 'rename', from: 'sad', toKey: 'melancholic', label: 'Melancholic' },
      { op: 'merge', from: ['calm', 'dreamy'], into: tag('serene', 'Serene', 'Calm or dreamy') },
      { op: 'split', from: 'happy', into: [tag('joyful'), tag('cheerful')] },
      { op: 'remove', key: 'dark' },
      { op: 'add', key: 'epic', label: 'Epic' },
    ]);
    // happy's slot holds its parts; serene sits where calm was; epic is appended.
    expect(result.tags.map((t) => t.key)).toEqual(['joyful', 'cheerful', 'melancholic', 'serene', 'epic']);
    expect(result.tags.find((t) => t.key === 'serene')).toEqual({ key: 'serene', label: 'Serene', description: 'Calm or dreamy' });
    expect(result.mapping).toEqual({
      happy: ['joyful', 'cheerful'],
      sad: ['melancholic'],
      calm: ['serene'],
      dreamy: ['serene'],
      dark: [],
    });
    expect(result.rows).toEqual([
      { fromKey: 'happy', toKey: 'joyful' },
      { fromKey: 'happy', toKey: 'cheerful' },
      { fromKey: 'sad', toKey: 'melancholic' },
      { fromKey: 'calm', toKey: 'serene' },
      { fromKey: 'dreamy', toKey: 'serene' },
    ]);
    expect(describeTaxonomyEdit(v1, result).map((r) => [r.from?.key ?? null, r.change, r.to.map((t) => t.key)])).toEqual([
      ['happy', 'split', ['joyful', 'cheerful']],
      ['sad', 'renamed', ['melancholic']],
      ['calm', 'merged', ['serene']],
      ['dreamy', 'merged', ['serene']],
      ['dark', 'removed', []],
      [null, 'added', ['epic']],
    ]);
  });

  it('unchanged tags map to themselves; a relabel keeps the key', () => {
    const result = applyTaxonomyEdits(v1, [{ op: 'rename', from: 'dark', label: 'Dark & heavy', description: 'Ominous' }]);
    expect(result.mapping).toEqual({ happy: ['happy'], sad: ['sad'], calm: ['calm'], dreamy: ['dreamy'], dark: ['dark'] });
    expect(result.tags[4]).toEqual({ key: 'dark', label: 'Dark & heavy', description: 'Ominous' });
    expect(describeTaxonomyEdit(v1, result).map((r) => r.change)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged', 'relabelled']);
  });

  it('merges into one of the merged keys, and operations see earlier ones', () => {
    const result = applyTaxonomyEdits(v1, [
      { op: 'rename', from: 'dreamy', toKey: 'hazy' },
      { op: 'merge', from: ['hazy', 'calm'], into: tag('calm', 'Calm') },
    ]);
    expect(result.tags.map((t) => t.key)).toEqual(['happy', 'sad', 'calm', 'dark']);
    expect(result.mapping.dreamy).toEqual(['calm']);
    expect(result.mapping.calm).toEqual(['calm']);
  });

  it('a split part may keep the old key, and parts can merge on with other tags', () => {
    const result = applyTaxonomyEdits(v1, [
      { op: 'split', from: 'happy', into: [tag('happy', 'Happy (light)'), tag('euphoric')] },
      { op: 'merge', from: ['euphoric', 'dreamy'], into: tag('floating') },
    ]);
    expect(result.mapping).toMatchObject({ happy: ['happy', 'floating'], dreamy: ['floating'] });
    expect(result.tags.map((t) => t.key)).toEqual(['happy', 'floating', 'sad', 'calm', 'dark']);
  });

  it('swaps two keys through a temporary one', () => {
    const result = applyTaxonomyEdits(v1, [
      { op: 'rename', from: 'sad', toKey: 'tmp' },
      { op: 'rename', from: 'dark', toKey: 'sad' },
      { op: 'rename', from: 'tmp', toKey: 'dark' },
    ]);
    expect(result.mapping).toMatchObject({ sad: ['dark'], dark: ['sad'] });
  });

  it('previewTaxonomyTags gives the intermediate tags without the whole-result checks', () => {
    const ops: TaxonomyEditOpInput[] = ['happy', 'sad', 'calm', 'dreamy', 'dark'].map((key) => ({ op: 'remove', key }));
    expect(previewTaxonomyTags(v1, ops)).toEqual([]);
    expect(errorOf(() => applyTaxonomyEdits(v1, ops)).message).toMatch(/no tags/);
  });
});

describe('applyTaxonomyEdits: clear errors naming the tag', () => {
  it.each<[string, TaxonomyEditOpInput[], RegExp, string | null]>([
    ['unknown tag', [{ op: 'remove', key: 'angry' }], /Change 1 \(remove\): unknown tag 'angry' \(not in v1\)/, 'angry'],
    [
      'a tag an earlier change renamed',
      [{ op: 'rename', from: 'sad', toKey: 'blue' }, { op: 'remove', key: 'sad' }],
      /Change 2 \(remove\): 'sad' no longer exists: change 1 renamed it to 'blue'/,
      'sad',
    ],
    [
      'a tag an earlier change merged away',
      [{ op: 'merge', from: ['calm', 'dreamy'], into: tag('serene') }, { op: 'split', from: 'calm', into: [tag('a'), tag('b')] }],
      /Change 2 \(split\): 'calm' no longer exists: change 1 merged it into 'serene'/,
      'calm',
    ],
    ['duplicate key on add', [{ op: 'add', key: 'sad', label: 'Sad again' }], /Change 1 \(add\): a tag 'sad' already exists/, 'sad'],
    ['duplicate key on rename', [{ op: 'rename', from: 'sad', toKey: 'dark' }], /a tag 'dark' already exists/, 'dark'],
    ['duplicate key on merge', [{ op: 'merge', from: ['calm', 'dreamy'], into: tag('sad') }], /a tag 'sad' already exists/, 'sad'],
    ['duplicate key on split', [{ op: 'split', from: 'happy', into: [tag('joy'), tag('dark')] }], /a tag 'dark' already exists/, 'dark'],
    ['split listing a part twice', [{ op: 'split', from: 'happy', into: [tag('joy'), tag('joy')] }], /lists 'joy' twice/, 'joy'],
    ['merging a tag into itself', [{ op: 'merge', from: ['calm'], into: tag('calm') }], /cannot merge 'calm' into itself/, 'calm'],
    ['merging a tag listed twice', [{ op: 'merge', from: ['calm', 'calm'], into: tag('serene') }], /cannot merge 'calm' into itself \(it is listed twice\)/, 'calm'],
    ['merging one tag', [{ op: 'merge', from: ['calm'], into: tag('serene') }], /at least two tags \(to rename 'calm', use rename\)/, 'calm'],
    ['split into one part', [{ op: 'split', from: 'happy', into: [tag('joy')] }], /split of 'happy' needs at least two parts/, 'happy'],
    ['a rename that changes nothing', [{ op: 'rename', from: 'sad', label: 'Sad' }], /changes nothing for 'sad'/, 'sad'],
    [
      'reusing a removed key',
      [{ op: 'remove', key: 'dark' }, { op: 'add', key: 'dark', label: 'Dark (new)' }],
      /'dark' was removed, so a new tag cannot take its key/,
      'dark',
    ],
    ['an unchanged result', [{ op: 'rename', from: 'sad', toKey: 'blue' }, { op: 'rename', from: 'blue', toKey: 'sad' }], /leave v1 as it is/, null],
  ])('%s', (_name, ops, message, tagKey) => {
    const err = errorOf(() => applyTaxonomyEdits(v1, ops));
    expect(err.code).toBe('UNPROCESSABLE');
    expect(err.message).toMatch(message);
    expect((err.details as { tag: string | null }).tag).toBe(tagKey);
  });
});

describe('applyTaxonomyEdits: properties over random edit lists', () => {
  const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n'];
  const pick = <T,>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];

  /** A random operation over the current tags, sometimes deliberately invalid. */
  function randomOp(rng: Rng, current: string[]): TaxonomyEditOpInput {
    const fresh = () => pick(rng, KEYS) + Math.floor(rng() * 4);
    const existing = () => (current.length > 0 && rng() < 0.9 ? pick(rng, current) : fresh());
    switch (Math.floor(rng() * 5)) {
      case 0:
        return { op: 'add', key: fresh(), label: 'Added' };
      case 1:
        return rng() < 0.5 ? { op: 'rename', from: existing(), toKey: fresh() } : { op: 'rename', from: existing(), label: `L${Math.floor(rng() * 1000)}` };
      case 2: {
        const from = [existing(), existing(), ...(rng() < 0.3 ? [existing()] : [])];
        return { op: 'merge', from, into: tag(rng() < 0.3 ? from[0] : fresh()) };
      }
      case 3:
        return { op: 'split', from: existing(), into: [tag(fresh()), tag(fresh()), ...(rng() < 0.3 ? [tag(fresh())] : [])] };
      default:
        return { op: 'remove', key: existing() };
    }
  }

  it('every old tag has a mapping entry, every target exists, every new tag is unique and valid', () => {
    let accepted = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const rng = createRng(seed);
      const n = 2 + Math.floor(rng() * 6);
      const base = { version: seed, tags: KEYS.slice(0, n).map((k) => tag(k)) };
      const ops: TaxonomyEditOpInput[] = [];
      for (let i = 0, len = 1 + Math.floor(rng() * 6); i < len; i++) {
        let current: string[];
        try {
          current = previewTaxonomyTags(base, ops).map((t) => t.key);
        } catch {
          break;
        }
        ops.push(randomOp(rng, current));
      }
      let result;
      try {
        result = applyTaxonomyEdits(base, ops.map((op) => TaxonomyEditOpSchema.parse(op)));
      } catch (e) {
        expect(e, `seed ${seed}`).toBeInstanceOf(AppError);
        expect((e as AppError).code).toBe('UNPROCESSABLE');
        continue;
      }
      accepted++;
      const newKeys = result.tags.map((t) => t.key);
      expect(new Set(newKeys).size, `seed ${seed}: unique keys`).toBe(newKeys.length);
      expect(newKeys.length).toBeGreaterThan(0);
      expect(Object.keys(result.mapping).sort(), `seed ${seed}: every old tag mapped`).toEqual(base.tags.map((t) => t.key).sort());
      for (const targets of Object.values(result.mapping)) {
        for (const t of targets) expect(newKeys, `seed ${seed}: target ${t} exists`).toContain(t);
        expect(new Set(targets).size).toBe(targets.length);
      }
      // Rows and mapping say the same; removed old keys are not reused.
      expect(result.rows.length).toBe(Object.values(result.mapping).reduce((s, t) => s + t.length, 0));
      for (const [from, targets] of Object.entries(result.mapping)) if (targets.length === 0) expect(newKeys).not.toContain(from);
    }
    // The generator must exercise the success path, not just the errors.
    expect(accepted).toBeGreaterThan(100);
  });
});
