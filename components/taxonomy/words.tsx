'use client';

import { type TagChange } from '@/lib/taxonomy/edit';
import { type Tag, type TaxonomyEditOpInput } from '@/lib/taxonomy/schemas';

/** The taxonomy editor's wording: kinds of edit, what a change does to a tag, an edit in a sentence. */
export type Kind = TaxonomyEditOpInput['op'];
export const KINDS: { kind: Kind; label: string }[] = [
  { kind: 'add', label: 'Add' },
  { kind: 'rename', label: 'Rename / relabel' },
  { kind: 'merge', label: 'Merge' },
  { kind: 'split', label: 'Split' },
  { kind: 'remove', label: 'Remove' },
];

export const CHANGE_TEXT: Record<TagChange, string> = {
  unchanged: 'unchanged',
  relabelled: 'relabelled',
  renamed: 'renamed',
  merged: 'merged',
  split: 'split',
  removed: 'removed (old votes dropped)',
  added: 'new (no votes yet)',
};

/** A key from a label when the admin leaves the key empty: "Dark & heavy" → "dark-heavy". */
export function slug(label: string): string {
  const s = label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '');
  return s.slice(0, 40);
}

export function describeOp(op: TaxonomyEditOpInput): string {
  switch (op.op) {
    case 'add':
      return `Add ${op.key} (“${op.label}”)`;
    case 'rename': {
      const parts = [op.toKey ? `${op.from} → ${op.toKey}` : op.from];
      if (op.label !== undefined) parts.push(`label “${op.label}”`);
      if (op.description !== undefined) parts.push('new description');
      return `${op.toKey ? 'Rename' : 'Relabel'} ${parts.join(', ')}`;
    }
    case 'merge':
      return `Merge ${op.from.join(' + ')} → ${op.into.key}`;
    case 'split':
      return `Split ${op.from} → ${op.into.map((p) => p.key).join(' + ')}`;
    case 'remove':
      return `Remove ${op.key}`;
  }
}

export const TagName = ({ tag }: { tag: Tag }) => (
  <span title={tag.description || undefined}>
    <code>{tag.key}</code> {tag.label}
  </span>
);

/**
 * The admin's taxonomy editor: changes are collected as a list of operations and checked with
 * the same pure function the server runs, so the preview (old → new mapping) is what will be
 * stored. Nothing is written until "Create version"; the server refuses (409) when someone
 * else created a version meanwhile, and the list is kept to re-apply.
 */
