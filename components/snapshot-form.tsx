'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { apiFetch } from '@/lib/client/api';
import { EXPORT_FORMATS, type ExportFormat } from '@/lib/export/row';
import {
  CreateSnapshotSchema,
  DEFAULT_MIN_CONFIDENCE,
  DEFAULT_SNAPSHOT_NAME,
  DEFAULT_SNAPSHOT_STATES,
  SNAPSHOT_STATES,
  SnapshotFiltersSchema,
  type CreateSnapshotInput,
  type SnapshotCount,
  type SnapshotView,
} from '@/lib/export/schemas';
import { SPLIT_RULE_TEXT } from '@/lib/export/splits';

const COUNT_DEBOUNCE_MS = 350;

/** `value`, once it has stopped changing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

const countRows = (filters: unknown) =>
  apiFetch<SnapshotCount>('/api/datasets/count', { method: 'POST', body: JSON.stringify({ filters }) });

export interface SnapshotFormOptions {
  taxonomyVersions: { version: number; active: boolean; note: string; tags: number }[];
  licences: { value: string; clips: number }[];
  sources: { value: string; clips: number }[];
}

const STATE_LABELS: Record<(typeof SNAPSHOT_STATES)[number], string> = {
  consensus: 'Consensus',
  expert_resolved: 'Expert-resolved',
  open: 'Open (still collecting votes)',
  disputed: 'Disputed',
};

const FORMAT_LABELS: Record<ExportFormat, string> = {
  parquet: 'Parquet (Hugging Face datasets, pandas, DuckDB)',
  jsonl: 'JSON Lines',
  csv: 'CSV (spreadsheet-safe)',
};

/**
 * Defines a snapshot: which clips (states, confidence, taxonomy version, licences, sources,
 * dates), which formats and optional vector columns. Validated with the API's own zod schema
 * before sending, so mistakes are named next to the form without a round trip.
 */
export function SnapshotForm({ options }: { options: SnapshotFormOptions }) {
  const client = useQueryClient();
  const ids = useId();
  const active = options.taxonomyVersions.find((v) => v.active)?.version ?? options.taxonomyVersions[0]?.version;
  const [name, setName] = useState(DEFAULT_SNAPSHOT_NAME);
  const [formats, setFormats] = useState<ExportFormat[]>([...EXPORT_FORMATS]);
  const [states, setStates] = useState<string[]>([...DEFAULT_SNAPSHOT_STATES]);
  const [minConfidence, setMinConfidence] = useState(String(DEFAULT_MIN_CONFIDENCE));
  const [taxonomyVersion, setTaxonomyVersion] = useState(active ? String(active) : '');
  const [applyMapping, setApplyMapping] = useState(true);
  const [licences, setLicences] = useState<string[]>([]);
  const [sources, setSources] = useState<string[]>([]);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [dateField, setDateField] = useState<'created' | 'labelled'>('created');
  const [includeFeatures, setIncludeFeatures] = useState(false);
  const [includeEmbeddings, setIncludeEmbeddings] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [created, setCreated] = useState<SnapshotView | null>(null);
  /** A 0-row snapshot waiting for the user's yes: the body to send and why it is empty. */
  const [confirmEmpty, setConfirmEmpty] = useState<{ body: CreateSnapshotInput; count: SnapshotCount } | null>(null);
  const [checking, setChecking] = useState(false);
  const problemRef = useRef<HTMLParagraphElement>(null);
  const confirmRef = useRef<HTMLDivElement>(null);

  const filters = {
    states,
    minConfidence: minConfidence.trim() === '' ? Number.NaN : Number(minConfidence),
    ...(taxonomyVersion ? { taxonomyVersion: Number(taxonomyVersion) } : {}),
    applyMapping,
    ...(licences.length ? { licences } : {}),
    ...(sources.length ? { sources } : {}),
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    dateField,
  };
  // The row count follows the filters (debounced), so an empty snapshot is visible before it is built.
  const settledFilters = useDebounced(JSON.stringify(filters), COUNT_DEBOUNCE_MS);
  const filtersValid = SnapshotFiltersSchema.safeParse(JSON.parse(settledFilters)).success;
  const count = useQuery({
    queryKey: ['snapshot-count', settledFilters],
    queryFn: () => countRows(JSON.parse(settledFilters)),
    enabled: filtersValid,
    staleTime: 5_000,
    placeholderData: (previous) => previous,
  });
  const counting = settledFilters !== JSON.stringify(filters) || count.isFetching;

  const create = useMutation({
    mutationFn: (body: CreateSnapshotInput) =>
      apiFetch<{ snapshot: SnapshotView; jobId: string | null }>('/api/datasets', { method: 'POST', body: JSON.stringify(body) }),
    onSuccess: (data) => {
      setCreated(data.snapshot);
      setProblem(null);
      void client.invalidateQueries({ queryKey: ['snapshots'] });
    },
    onError: (err) => {
      setProblem(err.message);
      setCreated(null);
      requestAnimationFrame(() => problemRef.current?.focus());
    },
  });

  const toggle = <T extends string>(list: T[], value: T, on: boolean) =>
    on ? [...list.filter((v) => v !== value), value] : list.filter((v) => v !== value);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body = {
      name: name.trim(),
      formats,
      filters,
      includeFeatures,
      includeEmbeddings,
    };
    const parsed = CreateSnapshotSchema.safeParse(body);
    if (!parsed.success) {
      setProblem(parsed.error.issues.map((i) => `${describePath(i.path)}: ${i.message}`).join('; '));
      setCreated(null);
      requestAnimationFrame(() => problemRef.current?.focus());
      return;
    }
    // Count again at the moment of creating (the shown count may be a few hundred ms old).
    setChecking(true);
    try {
      const now = await client.fetchQuery({
        queryKey: ['snapshot-count', JSON.stringify(filters)],
        queryFn: () => countRows(filters),
        staleTime: 0,
      });
      if (now.rows === 0) {
        setConfirmEmpty({ body: body as CreateSnapshotInput, count: now });
        setCreated(null);
        requestAnimationFrame(() => confirmRef.current?.focus());
        return;
      }
    } catch {
      // The count is advisory: if it cannot be had, the build still reports its row count.
    } finally {
      setChecking(false);
    }
    setConfirmEmpty(null);
    create.mutate(body as CreateSnapshotInput);
  }

  const field = (suffix: string) => `${ids}-${suffix}`;

  return (
    <form className="stack" onSubmit={submit} data-testid="snapshot-form" aria-describedby={field('help')} noValidate>
      <p id={field('help')} className="muted" style={{ margin: 0 }}>
        A snapshot is immutable and versioned: the same name gets version 1, 2, … {SPLIT_RULE_TEXT}
      </p>
      <div className="row" style={{ flexWrap: 'wrap', gap: '1rem', alignItems: 'flex-end' }}>
        <label className="stack" style={{ gap: 4 }}>
          <span>Name</span>
          <input
            name="name"
            data-testid="snapshot-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={64}
            required
            pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
            aria-describedby={field('name-help')}
          />
          <small id={field('name-help')} className="muted">
            letters, digits, . _ -
          </small>
        </label>
        <label className="stack" style={{ gap: 4 }}>
          <span>Minimum confidence</span>
          <input
            name="minConfidence"
            data-testid="snapshot-min-confidence"
            type="number"
            min={0}
            max={1}
            step={0.05}
            value={minConfidence}
            onChange={(e) => setMinConfidence(e.target.value)}
            aria-describedby={field('conf-help')}
          />
          <small id={field('conf-help')} className="muted">
            every tag settled at least this much (0–1)
          </small>
        </label>
        <label className="stack" style={{ gap: 4 }}>
          <span>Taxonomy version</span>
          <select
            name="taxonomyVersion"
            style={{ maxWidth: '100%' }}
            value={taxonomyVersion}
            onChange={(e) => setTaxonomyVersion(e.target.value)}
          >
            {options.taxonomyVersions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
                {v.active ? ' (active)' : ''} — {v.tags} tags{v.note ? `, ${v.note}` : ''}
              </option>
            ))}
          </select>
        </label>
        <label className="row" style={CHECK_LABEL}>
          <input type="checkbox" name="applyMapping" checked={applyMapping} onChange={(e) => setApplyMapping(e.target.checked)} />
          <span>Map labels from older taxonomy versions (merge: max posterior, split: copy)</span>
        </label>
      </div>

      <div className="row" style={{ flexWrap: 'wrap', gap: '1.5rem', alignItems: 'flex-start' }}>
        <fieldset>
          <legend>Clip states</legend>
          {SNAPSHOT_STATES.map((s) => (
            <label key={s} className="row" style={CHECK_LABEL}>
              <input
                type="checkbox"
                name="states"
                value={s}
                data-testid={`snapshot-state-${s}`}
                checked={states.includes(s)}
                onChange={(e) => setStates(toggle(states, s, e.target.checked))}
              />
              <span>{STATE_LABELS[s]}</span>
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Formats</legend>
          {EXPORT_FORMATS.map((f) => (
            <label key={f} className="row" style={CHECK_LABEL}>
              <input
                type="checkbox"
                name="formats"
                value={f}
                data-testid={`snapshot-format-${f}`}
                checked={formats.includes(f)}
                onChange={(e) => setFormats(toggle(formats, f, e.target.checked))}
              />
              <span>{FORMAT_LABELS[f]}</span>
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Columns</legend>
          <label className="row" style={CHECK_LABEL}>
            <input
              type="checkbox"
              name="includeFeatures"
              checked={includeFeatures}
              onChange={(e) => setIncludeFeatures(e.target.checked)}
            />
            <span>Feature vectors (current extractor)</span>
          </label>
          <label className="row" style={CHECK_LABEL}>
            <input
              type="checkbox"
              name="includeEmbeddings"
              checked={includeEmbeddings}
              onChange={(e) => setIncludeEmbeddings(e.target.checked)}
            />
            <span>Embeddings (active version)</span>
          </label>
        </fieldset>
        <ChoiceList legend="Licences" all="All licences" choices={options.licences} chosen={licences} onChange={setLicences} />
        <ChoiceList legend="Sources" all="All sources" choices={options.sources} chosen={sources} onChange={setSources} />
        <fieldset>
          <legend>Date range (inclusive, UTC)</legend>
          <label className="stack" style={{ gap: 4 }}>
            <span>Of</span>
            <select name="dateField" value={dateField} onChange={(e) => setDateField(e.target.value as 'created' | 'labelled')}>
              <option value="created">when the clip was added</option>
              <option value="labelled">when its label last changed</option>
            </select>
          </label>
          <label className="stack" style={{ gap: 4 }}>
            <span>From</span>
            <input type="date" name="from" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label className="stack" style={{ gap: 4 }}>
            <span>To</span>
            <input type="date" name="to" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
        </fieldset>
      </div>

      <RowCount count={filtersValid ? (count.data ?? null) : null} counting={counting && filtersValid} failed={count.isError} />
      {confirmEmpty && (
        <div
          className="panel stack"
          role="alertdialog"
          aria-labelledby={field('empty-title')}
          tabIndex={-1}
          ref={confirmRef}
          data-testid="snapshot-empty-confirm"
        >
          <strong id={field('empty-title')}>This snapshot would have 0 rows.</strong>
          <span>
            {confirmEmpty.count.emptyReason ? `${capitalise(confirmEmpty.count.emptyReason)}.` : ''}{' '}
            {confirmEmpty.count.hint ?? ''}
          </span>
          <div className="row">
            <button
              type="button"
              className="secondary"
              data-testid="snapshot-empty-create"
              onClick={() => {
                const body = confirmEmpty.body;
                setConfirmEmpty(null);
                create.mutate(body);
              }}
            >
              Create the empty snapshot anyway
            </button>
            <button type="button" data-testid="snapshot-empty-cancel" onClick={() => setConfirmEmpty(null)}>
              Back to the filters
            </button>
          </div>
        </div>
      )}
      <div className="row">
        <button type="submit" data-testid="snapshot-submit" disabled={create.isPending || checking}>
          {create.isPending ? 'Creating…' : checking ? 'Counting rows…' : 'Create snapshot'}
        </button>
        <span role="status" aria-live="polite" data-testid="snapshot-created">
          {created ? `Queued ${created.name} v${created.version}: its build is listed below.` : ''}
        </span>
      </div>
      {problem && (
        <p className="error" role="alert" tabIndex={-1} ref={problemRef} data-testid="snapshot-error">
          {problem}
        </p>
      )}
    </form>
  );
}

/** A checkbox and its text stay on one line (the text wraps beside the box on a phone). */
const CHECK_LABEL = { gap: 6, flexWrap: 'nowrap', alignItems: 'flex-start' } as const;

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "Selects 52 of 64 labelled clips", or why it selects none. */
function RowCount({ count, counting, failed }: { count: SnapshotCount | null; counting: boolean; failed: boolean }) {
  let text: string;
  if (failed && !count) text = 'Could not count the rows for these filters.';
  else if (!count) text = counting ? 'Counting rows…' : 'Fix the filters to see how many rows they select.';
  else if (count.rows === 0)
    text = `Selects no rows: ${count.emptyReason ?? 'no clip passes the filters'}.${count.hint ? ` ${count.hint}` : ''}`;
  else text = `Selects ${count.rows.toLocaleString('en-US')} of ${count.labelled.toLocaleString('en-US')} labelled clips.`;
  return (
    <p
      role="status"
      aria-live="polite"
      data-testid="snapshot-count"
      data-rows={count?.rows ?? ''}
      className={count?.rows === 0 ? 'error' : 'muted'}
      style={{ margin: 0, opacity: counting ? 0.6 : 1 }}
    >
      {text}
    </p>
  );
}

function ChoiceList(props: {
  legend: string;
  all: string;
  choices: { value: string; clips: number }[];
  chosen: string[];
  onChange: (values: string[]) => void;
}) {
  const { legend, all, choices, chosen, onChange } = props;
  return (
    <fieldset>
      <legend>{legend}</legend>
      {choices.length === 0 ? (
        <span className="muted">no clips yet</span>
      ) : (
        <>
          <label className="row" style={CHECK_LABEL}>
            <input type="checkbox" checked={chosen.length === 0} onChange={(e) => e.target.checked && onChange([])} />
            <span>{all}</span>
          </label>
          {choices.map((c) => (
            <label key={c.value} className="row" style={CHECK_LABEL}>
              <input
                type="checkbox"
                value={c.value}
                checked={chosen.includes(c.value)}
                onChange={(e) => onChange(e.target.checked ? [...chosen, c.value] : chosen.filter((v) => v !== c.value))}
              />
              <span>
                {c.value} <span className="muted">({c.clips})</span>
              </span>
            </label>
          ))}
        </>
      )}
    </fieldset>
  );
}

const PATH_NAMES: Record<string, string> = {
  name: 'Name',
  formats: 'Formats',
  states: 'Clip states',
  minConfidence: 'Minimum confidence',
  taxonomyVersion: 'Taxonomy version',
  licences: 'Licences',
  sources: 'Sources',
  from: 'From',
  to: 'To',
};

function describePath(path: PropertyKey[]): string {
  const key = [...path].reverse().find((p) => typeof p === 'string' && PATH_NAMES[p]);
  return key ? PATH_NAMES[key as string] : path.join('.') || 'Snapshot';
}
