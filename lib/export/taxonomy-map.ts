/**
 * Carrying labels from one taxonomy version to another through `tag_mappings`. Pure: the caller
 * loads the tag lists and mapping rows; nothing here touches the database.
 *
 * A mapping row (from_version, from_key) → (to_version, to_key) says where a tag went when the
 * taxonomy was edited: one row is a rename, several rows from one key a split (one → many),
 * several rows onto one key a merge (many → one). A tag of the old version with no row keeps its
 * key if the new version still has it and is dropped otherwise (the tag was removed).
 */

import { dict } from '@/lib/util/dict';

export interface TagMappingRow {
  fromVersion: number;
  fromKey: string;
  toVersion: number;
  toKey: string;
}

/** Source tag → the target tags it contributes to (empty: dropped). */
export type TagPlan = ReadonlyMap<string, readonly string[]>;

/**
 * The versions to pass through from `source` to `target`, following mapping edges (a pair of
 * versions with at least one row) in their direction; shortest path, ties to the lower version.
 * `[source]` when they are equal, null when no chain of mappings connects them. O(E log E).
 */
export function versionPath(source: number, target: number, mappings: readonly TagMappingRow[]): number[] | null {
  if (source === target) return [source];
  const next = new Map<number, Set<number>>();
  for (const m of mappings) {
    if (m.fromVersion === m.toVersion) continue;
    if (!next.has(m.fromVersion)) next.set(m.fromVersion, new Set());
    next.get(m.fromVersion)!.add(m.toVersion);
  }
  const previous = new Map<number, number>([[source, source]]);
  let frontier = [source];
  while (frontier.length > 0 && !previous.has(target)) {
    const following: number[] = [];
    for (const v of frontier) {
      for (const w of [...(next.get(v) ?? [])].sort((a, b) => a - b)) {
        if (previous.has(w)) continue;
        previous.set(w, v);
        following.push(w);
      }
    }
    frontier = following;
  }
  if (!previous.has(target)) return null;
  const path = [target];
  while (path[0] !== source) path.unshift(previous.get(path[0])!);
  return path;
}

/**
 * Where each tag of `source` lands in `target`: the composition of the single-step mappings
 * along `versionPath`. `tagsByVersion` must hold the tag keys of every version on the path.
 * Returns null when no chain of mappings connects the versions.
 *
 * @example
 * // v1 calm, quiet → v2 calm (merge); v1 happy → v2 joyful, upbeat (split)
 * planTagMapping(1, 2, tags, rows) // Map { calm → [calm], quiet → [calm], happy → [joyful, upbeat] }
 */
export function planTagMapping(
  source: number,
  target: number,
  tagsByVersion: ReadonlyMap<number, readonly string[]>,
  mappings: readonly TagMappingRow[],
): Map<string, string[]> | null {
  const path = versionPath(source, target, mappings);
  if (!path) return null;
  const sourceKeys = tagsByVersion.get(source);
  if (!sourceKeys) throw new Error(`taxonomy version ${source} has no tags`);
  let plan = new Map(sourceKeys.map((k) => [k, [k]]));
  for (let i = 1; i < path.length; i++) {
    const [from, to] = [path[i - 1], path[i]];
    const toKeys = tagsByVersion.get(to);
    if (!toKeys) throw new Error(`taxonomy version ${to} has no tags`);
    const known = new Set(toKeys);
    const step = new Map<string, string[]>();
    for (const m of mappings) {
      if (m.fromVersion !== from || m.toVersion !== to || !known.has(m.toKey)) continue;
      if (!step.has(m.fromKey)) step.set(m.fromKey, []);
      step.get(m.fromKey)!.push(m.toKey);
    }
    const stepOf = (key: string) => step.get(key) ?? (known.has(key) ? [key] : []);
    const composed = new Map<string, string[]>();
    for (const [key, current] of plan) {
      const targets = new Set<string>();
      for (const k of current) for (const t of stepOf(k)) targets.add(t);
      composed.set(key, toKeys.filter((t) => targets.has(t)));
    }
    plan = composed;
  }
  return plan;
}

/**
 * Labels of one clip through a plan: a target tag is a hard label if any source tag mapped onto
 * it is (merge: OR; split: copied), and its posterior is the largest posterior mapped onto it
 * (merge: max; split: copied). Target tags nothing maps onto get no posterior (null in files):
 * no one was asked about them. O(source tags × fan-out).
 */
export function mapClipLabels(
  plan: TagPlan,
  targetOrder: readonly string[],
  labels: readonly string[],
  posteriors: Readonly<Record<string, number>>,
): { tags: string[]; soft: Record<string, number> } {
  const soft = dict<number>();
  for (const [key, p] of Object.entries(posteriors)) {
    for (const t of plan.get(key) ?? []) {
      if (!Object.hasOwn(soft, t) || p > soft[t]) soft[t] = p;
    }
  }
  const positive = new Set<string>();
  for (const key of labels) for (const t of plan.get(key) ?? []) positive.add(t);
  return { tags: targetOrder.filter((t) => positive.has(t)), soft };
}
