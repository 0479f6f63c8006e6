/**
 * Carrying labels from one taxonomy version to a newer one. Pure: no database, no HTTP.
 *
 * A mapping is a relation between the tag keys of two versions, stored as
 * `old key → new keys`: one target is a rename (or an unchanged tag), several targets a split
 * (one → many), several old keys onto one target a merge (many → one), no target a removal.
 * A mapping built by `applyTaxonomyEdits` lists every old key of its version, so a key it does
 * not list is not a tag of that version and maps to nothing.
 */

import { dict } from '@/lib/util/dict';

export type TagMapping = Readonly<Record<string, readonly string[]>>;

/** One stored `tag_mappings` row of a single step, without its version numbers. */
export interface TagMappingPair {
  fromKey: string;
  toKey: string;
}

function targetsOf(mapping: TagMapping, key: string): readonly string[] {
  return Object.hasOwn(mapping, key) ? mapping[key] : [];
}

/**
 * Hard labels through a mapping: T(x) = ⋃_{k ∈ x} m(k) — merge is OR, split copies the label,
 * a removed tag is dropped. Order: first appearance, following `tags` and each target list.
 * O(Σ |m(k)|).
 *
 * @example
 * mapLabels(['calm', 'quiet', 'happy'], { calm: ['calm'], quiet: ['calm'], happy: ['joyful', 'upbeat'] })
 * // → ['calm', 'joyful', 'upbeat']
 */
export function mapLabels(tags: readonly string[], mapping: TagMapping): string[] {
  const out = new Set<string>();
  for (const key of tags) for (const target of targetsOf(mapping, key)) out.add(target);
  return [...out];
}

/**
 * Per-tag posteriors P(tag applies) through a mapping: p'(t) = max_{k : t ∈ m(k)} p(k).
 * Merge takes the largest (the merged tag applies when any of its parts does, and max is the
 * tightest bound that needs no independence assumption); split copies the posterior to every
 * part; a removed tag is dropped; a new tag nothing maps onto gets no entry (nobody was asked).
 * O(Σ |m(k)|).
 *
 * @example
 * mapSoftLabels({ calm: 0.2, quiet: 0.9, happy: 0.6 }, { calm: ['calm'], quiet: ['calm'], happy: ['joyful', 'upbeat'] })
 * // → { calm: 0.9, joyful: 0.6, upbeat: 0.6 }
 */
export function mapSoftLabels(posteriors: Readonly<Record<string, number>>, mapping: TagMapping): Record<string, number> {
  const out = dict<number>();
  for (const [key, p] of Object.entries(posteriors)) {
    for (const target of targetsOf(mapping, key)) {
      if (!Object.hasOwn(out, target) || p > out[target]) out[target] = p;
    }
  }
  return out;
}

/**
 * Composes single-step mappings oldest first: (m₂ ∘ m₁)(k) = ⋃_{j ∈ m₁(k)} m₂(j), so v1 → v3
 * is `composeMappings(v1→v2, v2→v3)`. Keys are those of the first mapping; with no steps the
 * result is empty. Targets keep first-appearance order. O(steps × Σ fan-out).
 *
 * @example
 * composeMappings({ sad: ['blue'], dark: ['dark'] }, { blue: ['somber'], dark: ['somber'] })
 * // → { sad: ['somber'], dark: ['somber'] }
 */
export function composeMappings(...steps: TagMapping[]): Record<string, string[]> {
  if (steps.length === 0) return dict();
  let current: Record<string, string[]> = dict(Object.entries(steps[0]).map(([k, v]) => [k, [...v]]));
  for (const step of steps.slice(1)) {
    const next = dict<string[]>();
    for (const [key, targets] of Object.entries(current)) next[key] = mapLabels(targets, step);
    current = next;
  }
  return current;
}

/** Every key onto itself: the mapping of a version to itself. */
export function identityMapping(keys: readonly string[]): Record<string, string[]> {
  return dict(keys.map((k) => [k, [k]]));
}

/**
 * One step's mapping from its stored rows. When the step has rows they are the whole truth
 * (an old key without a row was removed); a step with no rows at all — two versions written
 * wholesale rather than edited — maps each key to the same key when the newer version still
 * has it. Targets follow the newer version's tag order; rows naming keys that either version
 * lacks are ignored. O(rows + tags).
 */
export function mappingFromRows(
  fromKeys: readonly string[],
  toKeys: readonly string[],
  rows: readonly TagMappingPair[],
): Record<string, string[]> {
  const known = new Set(toKeys);
  if (rows.length === 0) return dict(fromKeys.map((k) => [k, known.has(k) ? [k] : []]));
  const position = new Map(toKeys.map((k, i) => [k, i]));
  const byKey = new Map<string, Set<string>>(fromKeys.map((k) => [k, new Set<string>()]));
  for (const row of rows) if (known.has(row.toKey)) byKey.get(row.fromKey)?.add(row.toKey);
  return dict(
    [...byKey].map(([k, targets]) => [k, [...targets].sort((a, b) => position.get(a)! - position.get(b)!)]),
  );
}

/** The mapping as stored rows (one per old key and target). */
export function mappingToRows(mapping: TagMapping): TagMappingPair[] {
  return Object.entries(mapping).flatMap(([fromKey, targets]) => targets.map((toKey) => ({ fromKey, toKey })));
}
