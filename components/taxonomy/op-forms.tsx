'use client';

import { type FormEvent, type ReactNode, useState } from 'react';
import { type Tag, type TaxonomyEditOpInput } from '@/lib/taxonomy/schemas';
import { type Kind, slug } from './words';

/** One small form per kind of edit (add, rename, merge, split, remove); each adds one operation to the draft. */
export interface FormProps {
  tags: Tag[];
  /** Returns false (and the editor shows why) when the change does not apply. */
  onAdd: (op: TaxonomyEditOpInput) => boolean;
}

export function OpForm({ kind, ...props }: FormProps & { kind: Kind }) {
  switch (kind) {
    case 'add':
      return <AddForm {...props} />;
    case 'rename':
      return <RenameForm {...props} />;
    case 'merge':
      return <MergeForm {...props} />;
    case 'split':
      return <SplitForm {...props} />;
    case 'remove':
      return <RemoveForm {...props} />;
  }
}

function field(form: FormData, name: string): string {
  return String(form.get(name) ?? '').trim();
}

/** key / label / description inputs for a new tag, named `${prefix}key` etc. */
function TagFields({ prefix = '', defaults, legend }: { prefix?: string; defaults?: Partial<Tag>; legend?: ReactNode }) {
  return (
    <div className="row">
      {legend}
      <input
        name={`${prefix}label`}
        placeholder="label"
        aria-label={`${prefix}label`}
        defaultValue={defaults?.label}
        required
        maxLength={60}
      />
      <input
        name={`${prefix}key`}
        placeholder="key (from label)"
        aria-label={`${prefix}key`}
        defaultValue={defaults?.key}
        pattern="[a-z][a-z0-9_\-]*"
        title="lower-case letters, digits, - and _"
        maxLength={40}
      />
      <input
        name={`${prefix}description`}
        placeholder="description"
        aria-label={`${prefix}description`}
        defaultValue={defaults?.description}
        maxLength={300}
        style={{ flex: 1, minWidth: '14rem' }}
      />
    </div>
  );
}

function readTag(form: FormData, prefix = ''): Tag {
  const label = field(form, `${prefix}label`);
  return { key: field(form, `${prefix}key`) || slug(label), label, description: field(form, `${prefix}description`) };
}

/** A submit handler: builds the change from the form, and clears the form once the editor took it. */
function submitting(onAdd: FormProps['onAdd'], build: (form: FormData) => TaxonomyEditOpInput | null, onDone?: () => void) {
  return (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const op = build(new FormData(form));
    if (op && onAdd(op)) {
      form.reset();
      onDone?.();
    }
  };
}

function TagSelect({ tags, name, label }: { tags: Tag[]; name: string; label: string }) {
  return (
    <select name={name} aria-label={label} required defaultValue="">
      <option value="" disabled>
        {label}
      </option>
      {tags.map((t) => (
        <option key={t.key} value={t.key}>
          {t.key} — {t.label}
        </option>
      ))}
    </select>
  );
}

function AddForm({ onAdd }: FormProps) {
  return (
    <form className="stack" aria-label="Add a tag" onSubmit={submitting(onAdd, (f) => ({ op: 'add', ...readTag(f) }))}>
      <TagFields />
      <div>
        <button type="submit">Add tag</button>
      </div>
    </form>
  );
}

function RenameForm({ tags, onAdd }: FormProps) {
  const [from, setFrom] = useState('');
  const old = tags.find((t) => t.key === from);
  return (
    <form
      className="stack"
      aria-label="Rename or relabel a tag"
      onSubmit={submitting(
        onAdd,
        (f) => {
          if (!old) return null;
          const next = { key: field(f, 'key'), label: field(f, 'label'), description: field(f, 'description') };
          const op: TaxonomyEditOpInput = { op: 'rename', from: old.key };
          if (next.key && next.key !== old.key) op.toKey = next.key;
          if (next.label && next.label !== old.label) op.label = next.label;
          if (next.description !== old.description) op.description = next.description;
          return op;
        },
        () => setFrom(''),
      )}
    >
      <div className="row">
        <select aria-label="Tag to rename" value={from} onChange={(e) => setFrom(e.target.value)} required>
          <option value="" disabled>
            tag to rename
          </option>
          {tags.map((t) => (
            <option key={t.key} value={t.key}>
              {t.key} — {t.label}
            </option>
          ))}
        </select>
      </div>
      {/* Keyed by the chosen tag so the inputs start from its current values. */}
      {old && <TagFields key={old.key} defaults={old} />}
      <div>
        <button type="submit" disabled={!old}>
          Rename
        </button>
      </div>
    </form>
  );
}

function MergeForm({ tags, onAdd }: FormProps) {
  return (
    <form
      className="stack"
      aria-label="Merge tags"
      onSubmit={submitting(onAdd, (f) => ({ op: 'merge', from: f.getAll('from').map(String), into: readTag(f) }))}
    >
      <fieldset className="row" style={{ border: 0, padding: 0, margin: 0 }}>
        <legend className="muted">Merge these tags (two or more)…</legend>
        {tags.map((t) => (
          <label key={t.key} className="chip">
            <input type="checkbox" name="from" value={t.key} /> {t.key}
          </label>
        ))}
      </fieldset>
      <TagFields legend={<span className="muted">…into</span>} />
      <div>
        <button type="submit">Merge</button>
      </div>
    </form>
  );
}

function SplitForm({ tags, onAdd }: FormProps) {
  const [parts, setParts] = useState(2);
  return (
    <form
      className="stack"
      aria-label="Split a tag"
      onSubmit={submitting(
        onAdd,
        (f) => ({ op: 'split', from: field(f, 'from'), into: Array.from({ length: parts }, (_, i) => readTag(f, `part${i}-`)) }),
        () => setParts(2),
      )}
    >
      <div className="row">
        <TagSelect tags={tags} name="from" label="tag to split" />
        <span className="muted">into</span>
      </div>
      {Array.from({ length: parts }, (_, i) => (
        <TagFields key={i} prefix={`part${i}-`} />
      ))}
      <div className="row">
        <button type="button" className="secondary" onClick={() => setParts(parts + 1)} disabled={parts >= 20}>
          + part
        </button>
        <button type="button" className="secondary" onClick={() => setParts(parts - 1)} disabled={parts <= 2}>
          − part
        </button>
        <button type="submit">Split</button>
      </div>
    </form>
  );
}

function RemoveForm({ tags, onAdd }: FormProps) {
  return (
    <form className="row" aria-label="Remove a tag" onSubmit={submitting(onAdd, (f) => ({ op: 'remove', key: field(f, 'key') }))}>
      <TagSelect tags={tags} name="key" label="tag to remove" />
      <button type="submit">Remove tag</button>
      <span className="muted">Its votes map to nothing in the new version.</span>
    </form>
  );
}

// ── versions ─────────────────────────────────────────────────────────────────────────────────
