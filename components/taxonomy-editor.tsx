'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, apiFetch } from '@/lib/client/api';
import { applyTaxonomyEdits, describeTaxonomyEdit, previewTaxonomyTags, type TagChange } from '@/lib/taxonomy/edit';
import {
  TaxonomyEditOpSchema,
  type CreatedTaxonomyVersion,
  type Tag,
  type TaxonomyAdminView,
  type TaxonomyEditOpInput,
  type TaxonomyMappingView,
} from '@/lib/taxonomy/schemas';
import { own } from '@/lib/util/dict';

type Kind = TaxonomyEditOpInput['op'];
const KINDS: { kind: Kind; label: string }[] = [
  { kind: 'add', label: 'Add' },
  { kind: 'rename', label: 'Rename / relabel' },
  { kind: 'merge', label: 'Merge' },
  { kind: 'split', label: 'Split' },
  { kind: 'remove', label: 'Remove' },
];

const CHANGE_TEXT: Record<TagChange, string> = {
  unchanged: 'unchanged',
  relabelled: 'relabelled',
  renamed: 'renamed',
  merged: 'merged',
  split: 'split',
  removed: 'removed (old votes dropped)',
  added: 'new (no votes yet)',
};

/** A key from a label when the admin leaves the key empty: "Dark & heavy" → "dark-heavy". */
function slug(label: string): string {
  const s = label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+|-+$/g, '');
  return s.slice(0, 40);
}

function describeOp(op: TaxonomyEditOpInput): string {
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

const TagName = ({ tag }: { tag: Tag }) => (
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
export function TaxonomyEditor({ initial }: { initial: TaxonomyAdminView }) {
  const client = useQueryClient();
  const view = useQuery({
    queryKey: ['taxonomy-admin'],
    queryFn: () => apiFetch<TaxonomyAdminView>('/api/admin/taxonomy'),
    initialData: initial,
  });
  const active = view.data.active;
  const [ops, setOps] = useState<TaxonomyEditOpInput[]>([]);
  const [kind, setKind] = useState<Kind>('add');
  const [note, setNote] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  /** Tags as the changes so far leave them: what the next change can refer to. */
  const current = useMemo(() => {
    try {
      return previewTaxonomyTags(active, ops);
    } catch {
      return active.tags;
    }
  }, [active, ops]);

  const preview = useMemo(() => {
    if (ops.length === 0) return null;
    try {
      const result = applyTaxonomyEdits(active, ops);
      return { result, rows: describeTaxonomyEdit(active, result), error: null };
    } catch (e) {
      return { result: null, rows: [], error: (e as Error).message };
    }
  }, [active, ops]);

  const nextVersion = Math.max(0, ...view.data.versions.map((v) => v.version)) + 1;

  function addOp(input: TaxonomyEditOpInput): boolean {
    const parsed = TaxonomyEditOpSchema.safeParse(input);
    if (!parsed.success) {
      setFormError(parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
      return false;
    }
    try {
      previewTaxonomyTags(active, [...ops, parsed.data]);
    } catch (e) {
      setFormError((e as Error).message);
      return false;
    }
    setFormError(null);
    setNotice(null);
    setOps([...ops, parsed.data]);
    return true;
  }

  const create = useMutation({
    mutationFn: () =>
      apiFetch<CreatedTaxonomyVersion>('/api/admin/taxonomy', {
        method: 'POST',
        body: JSON.stringify({ baseVersion: active.version, ops, note }),
      }),
    onSuccess: (created) => {
      setOps([]);
      setNote('');
      setSaveError(null);
      setNotice(`Created v${created.version}: labeling now offers its ${created.tags.length} tags. Votes already cast keep v${created.baseVersion}.`);
      void client.invalidateQueries({ queryKey: ['taxonomy-admin'] });
    },
    onError: (e) => {
      setSaveError(e.message);
      if (e instanceof ApiError && e.status === 409) void client.invalidateQueries({ queryKey: ['taxonomy-admin'] });
    },
  });

  return (
    <section className="panel stack" aria-labelledby="taxonomy-heading">
      <h2 id="taxonomy-heading" style={{ margin: 0 }}>
        Mood taxonomy <span className="badge">v{active.version} active</span>
      </h2>
      <p className="muted" style={{ margin: 0 }}>
        Changes make a new version with a mapping from this one. Votes keep the version they were cast under; exports can carry
        them over through the mapping.
      </p>

      <table>
        <thead>
          <tr>
            <th>Key</th>
            <th>Label</th>
            <th>Description</th>
          </tr>
        </thead>
        <tbody>
          {active.tags.map((t) => (
            <tr key={t.key}>
              <td>
                <code>{t.key}</code>
              </td>
              <td>{t.label}</td>
              <td className="muted">{t.description}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <div className="row" role="group" aria-label="Kind of change">
        {KINDS.map((k) => (
          <button
            key={k.kind}
            type="button"
            aria-pressed={kind === k.kind}
            className={kind === k.kind ? undefined : 'secondary'}
            onClick={() => {
              setKind(k.kind);
              setFormError(null);
            }}
          >
            {k.label}
          </button>
        ))}
      </div>
      <OpForm kind={kind} tags={current} onAdd={addOp} />
      {formError && (
        <p className="error" role="alert">
          {formError}
        </p>
      )}

      {ops.length > 0 && (
        <div className="stack">
          <h3 style={{ margin: 0 }}>Changes</h3>
          <ol style={{ margin: 0 }}>
            {ops.map((op, i) => (
              <li key={i}>
                {describeOp(op)}{' '}
                <button
                  type="button"
                  className="secondary"
                  aria-label={`Drop change ${i + 1}`}
                  onClick={() => setOps(ops.filter((_, j) => j !== i))}
                >
                  ✕
                </button>
              </li>
            ))}
          </ol>
          {preview?.error && (
            <p className="error" role="alert">
              {preview.error}
            </p>
          )}
          {preview?.result && (
            <table aria-label="Preview of the mapping">
              <thead>
                <tr>
                  <th>v{active.version}</th>
                  <th>change</th>
                  <th>v{nextVersion}</th>
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((row, i) => (
                  <tr key={i}>
                    <td>{row.from ? <TagName tag={row.from} /> : <span className="muted">—</span>}</td>
                    <td className={row.change === 'unchanged' ? 'muted' : undefined}>{CHANGE_TEXT[row.change]}</td>
                    <td>
                      {row.to.length === 0 ? (
                        <span className="muted">—</span>
                      ) : (
                        row.to.map((t, j) => (
                          <span key={t.key}>
                            {j > 0 && ', '}
                            <TagName tag={t} />
                          </span>
                        ))
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate();
            }}
          >
            <input
              aria-label="Note for this version"
              placeholder="note (why this change)"
              value={note}
              maxLength={500}
              onChange={(e) => setNote(e.target.value)}
              style={{ flex: 1, minWidth: '16rem' }}
            />
            <button type="submit" disabled={!preview?.result || create.isPending}>
              {create.isPending ? 'Creating…' : `Create version ${nextVersion}`}
            </button>
            <button type="button" className="secondary" onClick={() => setOps([])} disabled={create.isPending}>
              Discard changes
            </button>
          </form>
        </div>
      )}
      {saveError && (
        <p className="error" role="alert">
          {saveError}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}

      <VersionList view={view.data} />
    </section>
  );
}

// ── the forms, one per kind of change ─────────────────────────────────────────────────────────

interface FormProps {
  tags: Tag[];
  /** Returns false (and the editor shows why) when the change does not apply. */
  onAdd: (op: TaxonomyEditOpInput) => boolean;
}

function OpForm({ kind, ...props }: FormProps & { kind: Kind }) {
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
      <input name={`${prefix}label`} placeholder="label" aria-label={`${prefix}label`} defaultValue={defaults?.label} required maxLength={60} />
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

function VersionList({ view }: { view: TaxonomyAdminView }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <div className="stack">
      <h3 style={{ margin: 0 }}>Versions</h3>
      <table>
        <thead>
          <tr>
            <th>Version</th>
            <th>Note</th>
            <th>Tags</th>
            <th>Votes</th>
            <th>Expert decisions</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {view.versions.map((v) => (
            <tr key={v.version}>
              <td>
                v{v.version} {v.isActive && <span className="badge">active</span>}
              </td>
              <td>{v.note || <span className="muted">—</span>}</td>
              <td>{v.tagCount}</td>
              <td>{v.voteCount}</td>
              <td>{v.decisionCount}</td>
              <td>
                {v.createdAt.slice(0, 16).replace('T', ' ')} UTC
                {v.createdBy && <span className="muted"> by {v.createdBy.name}</span>}
              </td>
              <td>
                {!v.isActive && (
                  <button type="button" className="secondary" onClick={() => setOpen(open === v.version ? null : v.version)}>
                    {open === v.version ? 'Hide mapping' : `Mapping → v${view.active.version}`}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open !== null && <MappingView from={open} to={view.active.version} />}
    </div>
  );
}

function MappingView({ from, to }: { from: number; to: number }) {
  const mapping = useQuery({
    queryKey: ['taxonomy-mapping', from, to],
    queryFn: () => apiFetch<TaxonomyMappingView>(`/api/admin/taxonomy/${from}/mapping?to=${to}`),
  });
  if (mapping.isPending) return <p className="muted">Loading the mapping…</p>;
  if (mapping.isError) return <p className="error">{mapping.error.message}</p>;
  const labels = new Map(mapping.data.to.tags.map((t) => [t.key, t]));
  return (
    <table aria-label={`Mapping from v${from} to v${to}`}>
      <thead>
        <tr>
          <th>v{from}</th>
          <th>v{to}</th>
        </tr>
      </thead>
      <tbody>
        {mapping.data.from.tags.map((t) => {
          const targets = own(mapping.data.mapping, t.key) ?? [];
          return (
            <tr key={t.key}>
              <td>
                <TagName tag={t} />
              </td>
              <td>
                {targets.length === 0 ? (
                  <span className="muted">dropped</span>
                ) : (
                  targets.map((k, j) => (
                    <span key={k}>
                      {j > 0 && ', '}
                      <TagName tag={labels.get(k) ?? { key: k, label: '', description: '' }} />
                    </span>
                  ))
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
