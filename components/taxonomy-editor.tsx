'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { ApiError, apiFetch } from '@/lib/client/api';
import { applyTaxonomyEdits, describeTaxonomyEdit, previewTaxonomyTags } from '@/lib/taxonomy/edit';
import {
  type CreatedTaxonomyVersion,
  type TaxonomyAdminView,
  type TaxonomyEditOpInput,
  TaxonomyEditOpSchema,
} from '@/lib/taxonomy/schemas';
import { CHANGE_TEXT, describeOp, type Kind, KINDS, TagName } from './taxonomy/words';
import { OpForm } from './taxonomy/op-forms';
import { VersionList } from './taxonomy/version-list';
import { TableRegion } from './table-view';

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
      setNotice(
        `Created v${created.version}: labeling now offers its ${created.tags.length} tags. Votes already cast keep v${created.baseVersion}.`,
      );
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

      <TableRegion labelledBy="taxonomy-heading">
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
      </TableRegion>

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
            <TableRegion label="Preview of the mapping">
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
            </TableRegion>
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
