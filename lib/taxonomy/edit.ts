/**
 * Editing a taxonomy: a list of operations applied to one version's tags gives the tags of the
 * next version and the mapping from the old keys to the new ones. Pure (runs in the admin
 * editor for the live preview and on the server for the real thing), so both say the same.
 *
 * Operations apply in order, each to the tags as the previous ones left them. Every new tag
 * remembers which old tags it came from; the mapping is read off those origins at the end:
 *
 * - unchanged, relabelled, renamed: old → [itself or its new key]
 * - merge a, b into c:             a → [c], b → [c]
 * - split a into b, c:             a → [b, c]
 * - remove a:                      a → []
 * - add d:                         nothing maps onto d (nobody was asked about it yet)
 */
import { AppError } from '@/lib/errors';
import { mappingToRows, type TagMappingPair } from './mapping';
import type { Tag, TaxonomyEditOp, TaxonomyEditOpInput } from './schemas';
import { dict } from '@/lib/util/dict';

export interface TaxonomyEditResult {
  /** Tags of the new version, in display order. */
  tags: Tag[];
  /** Every old key → the new keys it became (in the new order); empty when removed. */
  mapping: Record<string, string[]>;
  /** The mapping as `tag_mappings` rows. */
  rows: TagMappingPair[];
}

/** What happened to one old tag (or, for `added`, where a new tag came from nowhere). */
export type TagChange = 'unchanged' | 'relabelled' | 'renamed' | 'merged' | 'split' | 'removed' | 'added';

export interface TagChangeRow {
  change: TagChange;
  /** The old tag; null for an added one. */
  from: Tag | null;
  /** The new tags it maps onto. */
  to: Tag[];
}

interface Node {
  tag: Tag;
  /** Keys of the base version this tag carries votes from. */
  origins: string[];
}

/** A 422 naming the operation (1-based) and the tag at fault. */
function editError(index: number | null, op: string | null, message: string, tag?: string): AppError {
  const where = index === null ? '' : `Change ${index + 1} (${op}): `;
  return new AppError('UNPROCESSABLE', where + message, { operation: index === null ? null : index + 1, tag: tag ?? null });
}

const quote = (key: string) => `'${key}'`;

/**
 * Applies `ops` to `base` and returns the next version's tags and the old → new mapping.
 * Throws a 422 AppError naming the change and tag for: an unknown tag (saying what an earlier
 * change did to it), a key that already exists, merging a tag into itself, a split into fewer
 * than two parts, a change that changes nothing, reusing a removed tag's key, and an empty
 * result. O(ops × tags).
 *
 * @example
 * applyTaxonomyEdits({ version: 1, tags: [happy, calm, quiet] }, [
 *   { op: 'merge', from: ['calm', 'quiet'], into: { key: 'calm', label: 'Calm', description: '' } },
 * ]) // → tags [happy, calm]; mapping { happy: ['happy'], calm: ['calm'], quiet: ['calm'] }
 */
export function applyTaxonomyEdits(
  base: { version: number; tags: readonly Tag[] },
  ops: readonly (TaxonomyEditOp | TaxonomyEditOpInput)[],
): TaxonomyEditResult {
  const nodes = replay(base, ops);
  const baseKeys = new Set(base.tags.map((t) => t.key));
  if (nodes.length === 0) throw editError(null, null, 'The new version would have no tags; keep or add at least one');

  const mapping = dict<string[]>(base.tags.map((t) => [t.key, [] as string[]]));
  for (const node of nodes) for (const origin of node.origins) mapping[origin].push(node.tag.key);

  // A removed tag has no mapping rows; a new tag under its key would read as its successor to
  // anyone who maps by key, so the key waits for a later version (or the tag is renamed instead).
  for (const node of nodes) {
    if (baseKeys.has(node.tag.key) && mapping[node.tag.key].length === 0) {
      throw editError(
        null,
        null,
        `${quote(node.tag.key)} was removed, so a new tag cannot take its key in the same version; to change its label or description, rename it instead`,
        node.tag.key,
      );
    }
  }

  const unchanged =
    nodes.length === base.tags.length &&
    nodes.every((node, j) => {
      const old = base.tags[j];
      return node.origins.length === 1 && node.origins[0] === old.key && node.tag.key === old.key && node.tag.label === old.label && node.tag.description === (old.description ?? '');
    });
  if (unchanged) throw editError(null, null, `These changes leave v${base.version} as it is`);

  return { tags: nodes.map((node) => node.tag), mapping, rows: mappingToRows(mapping) };
}

/**
 * The tags after `ops`, checking each change as it applies but not the result as a whole (an
 * empty or unchanged result, a reused key): what the editor's forms offer to the next change.
 * Throws the same 422s as `applyTaxonomyEdits` for a bad change.
 */
export function previewTaxonomyTags(
  base: { version: number; tags: readonly Tag[] },
  ops: readonly (TaxonomyEditOp | TaxonomyEditOpInput)[],
): Tag[] {
  return replay(base, ops).map((node) => node.tag);
}

function replay(base: { version: number; tags: readonly Tag[] }, ops: readonly (TaxonomyEditOp | TaxonomyEditOpInput)[]): Node[] {
  const baseKeys = new Set(base.tags.map((t) => t.key));
  if (baseKeys.size !== base.tags.length) throw editError(null, null, `Taxonomy v${base.version} has duplicate tag keys`);
  let nodes: Node[] = base.tags.map((t) => ({ tag: { key: t.key, label: t.label, description: t.description ?? '' }, origins: [t.key] }));
  /** Why a key is gone, for "unknown tag" messages. */
  const fate = new Map<string, string>();

  const indexOf = (key: string) => nodes.findIndex((n) => n.tag.key === key);
  const find = (i: number, op: string, key: string): number => {
    const at = indexOf(key);
    if (at >= 0) return at;
    const why = fate.get(key);
    throw editError(i, op, why ? `${quote(key)} no longer exists: ${why}` : `unknown tag ${quote(key)} (not in v${base.version})`, key);
  };
  /** A key a change wants to introduce must not be taken by any tag it does not replace. */
  const assertFree = (i: number, op: string, key: string, replacing: readonly string[]) => {
    if (indexOf(key) >= 0 && !replacing.includes(key)) throw editError(i, op, `a tag ${quote(key)} already exists`, key);
  };
  const gone = (key: string, why: string) => {
    fate.set(key, why);
  };

  ops.forEach((op, i) => {
    const n = i + 1;
    switch (op.op) {
      case 'add': {
        assertFree(i, op.op, op.key, []);
        nodes = [...nodes, { tag: { key: op.key, label: op.label, description: op.description ?? '' }, origins: [] }];
        fate.delete(op.key);
        break;
      }
      case 'rename': {
        const at = find(i, op.op, op.from);
        const old = nodes[at].tag;
        const next: Tag = {
          key: op.toKey ?? old.key,
          label: op.label ?? old.label,
          description: op.description ?? old.description,
        };
        if (next.key === old.key && next.label === old.label && next.description === old.description) {
          throw editError(i, op.op, `changes nothing for ${quote(old.key)}`, old.key);
        }
        if (next.key !== old.key) {
          assertFree(i, op.op, next.key, [old.key]);
          gone(old.key, `change ${n} renamed it to ${quote(next.key)}`);
          fate.delete(next.key);
        }
        nodes = nodes.map((node, j) => (j === at ? { ...node, tag: next } : node));
        break;
      }
      case 'merge': {
        const seen = new Set<string>();
        for (const key of op.from) {
          if (seen.has(key)) throw editError(i, op.op, `cannot merge ${quote(key)} into itself (it is listed twice)`, key);
          seen.add(key);
        }
        const positions = op.from.map((key) => find(i, op.op, key));
        if (op.from.length === 0) throw editError(i, op.op, 'a merge needs at least two tags');
        if (op.from.length < 2) {
          const only = op.from[0];
          throw op.into.key === only
            ? editError(i, op.op, `cannot merge ${quote(only)} into itself`, only)
            : editError(i, op.op, `a merge needs at least two tags (to rename ${quote(only)}, use rename)`, only);
        }
        assertFree(i, op.op, op.into.key, op.from);
        const first = Math.min(...positions);
        const origins = [...new Set(positions.sort((a, b) => a - b).flatMap((p) => nodes[p].origins))];
        const merged: Node = { tag: { key: op.into.key, label: op.into.label, description: op.into.description ?? '' }, origins };
        for (const key of op.from) if (key !== op.into.key) gone(key, `change ${n} merged it into ${quote(op.into.key)}`);
        fate.delete(op.into.key);
        nodes = nodes.flatMap((node, j) => (j === first ? [merged] : positions.includes(j) ? [] : [node]));
        break;
      }
      case 'split': {
        const at = find(i, op.op, op.from);
        if (op.into.length < 2) {
          throw editError(i, op.op, `a split of ${quote(op.from)} needs at least two parts (to rename it, use rename)`, op.from);
        }
        const partKeys = new Set<string>();
        for (const part of op.into) {
          if (partKeys.has(part.key)) throw editError(i, op.op, `the split of ${quote(op.from)} lists ${quote(part.key)} twice`, part.key);
          partKeys.add(part.key);
          assertFree(i, op.op, part.key, [op.from]);
        }
        const origins = nodes[at].origins;
        const parts: Node[] = op.into.map((p) => ({ tag: { key: p.key, label: p.label, description: p.description ?? '' }, origins: [...origins] }));
        if (!partKeys.has(op.from)) gone(op.from, `change ${n} split it into ${op.into.map((p) => quote(p.key)).join(', ')}`);
        for (const key of partKeys) fate.delete(key);
        nodes = nodes.flatMap((node, j) => (j === at ? parts : [node]));
        break;
      }
      case 'remove': {
        const at = find(i, op.op, op.key);
        gone(op.key, `change ${n} removed it`);
        nodes = nodes.filter((_, j) => j !== at);
        break;
      }
      default: {
        const unknown: never = op;
        throw editError(i, String((unknown as { op?: unknown }).op), 'unknown kind of change');
      }
    }
  });

  return nodes;
}

/**
 * What the edit does to each old tag, in old order, then the added tags: the rows of the
 * editor's preview table. A tag that was split and whose parts were merged with others counts
 * as split (it fans out); one whose single target also takes other tags counts as merged.
 */
export function describeTaxonomyEdit(base: { tags: readonly Tag[] }, result: TaxonomyEditResult): TagChangeRow[] {
  const byKey = new Map(result.tags.map((t) => [t.key, t]));
  const sources = new Map<string, number>();
  for (const targets of Object.values(result.mapping)) for (const t of targets) sources.set(t, (sources.get(t) ?? 0) + 1);
  const rows: TagChangeRow[] = base.tags.map((old) => {
    const from: Tag = { key: old.key, label: old.label, description: old.description ?? '' };
    const to = (result.mapping[old.key] ?? []).map((k) => byKey.get(k)!);
    let change: TagChange;
    if (to.length === 0) change = 'removed';
    else if (to.length > 1) change = 'split';
    else if ((sources.get(to[0].key) ?? 0) > 1) change = 'merged';
    else if (to[0].key !== from.key) change = 'renamed';
    else if (to[0].label !== from.label || to[0].description !== from.description) change = 'relabelled';
    else change = 'unchanged';
    return { change, from, to };
  });
  for (const tag of result.tags) if (!sources.has(tag.key)) rows.push({ change: 'added', from: null, to: [tag] });
  return rows;
}
