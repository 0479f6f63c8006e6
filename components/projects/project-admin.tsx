'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, apiFetch } from '@/lib/client/api';
import { CreateProjectSchema, type ClipFilter, type ProjectView } from '@/lib/projects/schemas';
import type { FilterChoice } from '@/lib/projects/repo';
import { ScrollTable } from '../table-view';
import { ProjectMembers } from './project-admin-members';
import { questionInWords } from './project-admin-words';

type Field = 'name' | 'slug' | 'description' | 'questionType' | 'attribute' | 'clipFilter' | 'overlap' | 'leaseMinutes';
type Errors = Partial<Record<Field | 'form', string>>;
type FilterKind = 'all' | 'source' | 'artists';

/** A slug suggested from a name: "Which is more energetic?" → "which-is-more-energetic". */
export function suggestSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40)
    .replace(/^-+|-+$/g, '');
}

/** Which form field a schema issue (or a server message naming a field) belongs to. */
function fieldOf(path: readonly PropertyKey[]): Field | 'form' {
  const [head, sub] = path.map(String);
  if (head === 'settings' && (sub === 'overlap' || sub === 'leaseMinutes')) return sub;
  if (head === 'clipFilter') return 'clipFilter';
  return (['name', 'slug', 'description', 'questionType', 'attribute'] as const).find((f) => f === head) ?? 'form';
}

/**
 * /admin/projects: create a valence–arousal or pairwise project over a clip filter, see every
 * project with its counts, and open a project's members.
 */
export function ProjectAdmin(props: { initialProjects: ProjectView[]; sources: FilterChoice[]; artists: FilterChoice[] }) {
  const client = useQueryClient();
  const projects = useQuery({
    queryKey: ['projects'],
    queryFn: () => apiFetch<ProjectView[]>('/api/projects'),
    initialData: props.initialProjects,
  });
  const [open, setOpen] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const openProject = projects.data.find((p) => p.slug === open);

  return (
    <div className="stack">
      <CreateProjectForm
        sources={props.sources}
        artists={props.artists}
        onCreated={(p) => {
          setCreated(`Created “${p.name}” with ${p.itemCount} clip${p.itemCount === 1 ? '' : 's'}. Add its members below.`);
          setOpen(p.slug);
          void client.invalidateQueries({ queryKey: ['projects'] });
        }}
      />
      {created && (
        <p role="status" className="panel" style={{ margin: 0 }} data-testid="project-created">
          {created}
        </p>
      )}
      <section className="panel stack" data-testid="project-list">
        <h2 id="projects-heading" style={{ margin: 0 }}>
          Projects
        </h2>
        <ScrollTable
          labelledBy="projects-heading"
          testId="projects-table"
          head={
            <>
              <th>Project</th>
              <th>Question</th>
              <th>Clips</th>
              <th>Answers</th>
              <th>Overlap</th>
              <th>
                <span className="muted">Members</span>
              </th>
            </>
          }
        >
          {projects.data.map((p) => (
            <tr key={p.id} data-project={p.slug}>
              <td style={{ minWidth: '10rem' }}>
                {p.name}
                <div className="muted">
                  <code>{p.slug}</code>
                </div>
              </td>
              <td style={{ minWidth: '12rem' }}>{questionInWords(p)}</td>
              <td>{p.itemCount}</td>
              <td>{p.answerCount}</td>
              <td>{p.questionType === 'tags' ? '—' : p.settings.overlap}</td>
              <td>
                <button
                  type="button"
                  className="secondary small"
                  aria-expanded={open === p.slug}
                  aria-controls="project-members-panel"
                  aria-label={`Members of ${p.name}`}
                  onClick={() => setOpen(open === p.slug ? null : p.slug)}
                >
                  Members
                </button>
              </td>
            </tr>
          ))}
        </ScrollTable>
        {/* Below the table, not in a row of it: on a phone the table scrolls sideways, the panel must not. */}
        {openProject && (
          <div id="project-members-panel" style={{ borderTop: '1px solid var(--line)', paddingTop: 'var(--space-3)' }}>
            <ProjectMembers key={openProject.slug} project={openProject} />
          </div>
        )}
      </section>
    </div>
  );
}

function CreateProjectForm(props: { sources: FilterChoice[]; artists: FilterChoice[]; onCreated: (p: ProjectView) => void }) {
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [slugEdited, setSlugEdited] = useState(false);
  const [description, setDescription] = useState('');
  const [questionType, setQuestionType] = useState<'valence_arousal' | 'pairwise'>('valence_arousal');
  const [attribute, setAttribute] = useState('');
  const [filterKind, setFilterKind] = useState<FilterKind>('all');
  const [source, setSource] = useState(props.sources[0]?.value ?? '');
  const [artists, setArtists] = useState<string[]>([]);
  const [overlap, setOverlap] = useState('3');
  const [leaseMinutes, setLeaseMinutes] = useState('10');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  const reset = () => {
    setName('');
    setSlug('');
    setSlugEdited(false);
    setDescription('');
    setAttribute('');
    setFilterKind('all');
    setArtists([]);
  };

  /** Shows the errors and puts the keyboard on the first field that has one. */
  const fail = (found: Errors) => {
    setErrors(found);
    const first = (Object.keys(found) as (Field | 'form')[]).find((k) => k !== 'form');
    if (first) requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>(`[data-field="${first}"]`)?.focus());
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const clipFilter: ClipFilter =
      filterKind === 'source' ? { sources: source ? [source] : [] } : filterKind === 'artists' ? { artists } : {};
    const found: Errors = {};
    if (filterKind === 'source' && !source) found.clipFilter = 'choose a source';
    if (filterKind === 'artists' && artists.length === 0) found.clipFilter = 'tick at least one artist';
    const parsed = CreateProjectSchema.safeParse({
      name,
      slug,
      description,
      questionType,
      attribute: questionType === 'pairwise' && attribute.trim() ? attribute : undefined,
      clipFilter,
      settings: { overlap: Number(overlap), leaseMinutes: Number(leaseMinutes) },
    });
    if (!parsed.success) for (const issue of parsed.error.issues) found[fieldOf(issue.path)] ??= issue.message;
    if (Object.keys(found).length > 0 || !parsed.success) return fail(found);
    setBusy(true);
    try {
      const created = await apiFetch<ProjectView>('/api/projects', { method: 'POST', body: JSON.stringify(parsed.data) });
      setErrors({});
      reset();
      props.onCreated(created);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // The server names the field it refuses ("clipFilter: …"); a taken slug is a conflict.
      if (err instanceof ApiError && err.code === 'CONFLICT') fail({ slug: message });
      else if (/^clipFilter/.test(message)) fail({ clipFilter: message.replace(/^clipFilter[.\w]*: /, '') });
      else fail({ form: message });
    } finally {
      setBusy(false);
    }
  }

  const described = (field: Field) => ({
    'data-field': field,
    'aria-invalid': errors[field] ? true : undefined,
    'aria-describedby': errors[field] ? `project-${field}-error` : undefined,
  });

  return (
    <form ref={formRef} className="panel stack" onSubmit={submit} noValidate data-testid="project-form" aria-labelledby="new-project-heading">
      <h2 id="new-project-heading" style={{ margin: 0 }}>
        New project
      </h2>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <FieldBox label="Name" field="name" errors={errors} grow>
          <input
            value={name}
            maxLength={120}
            onChange={(e) => {
              setName(e.target.value);
              if (!slugEdited) setSlug(suggestSlug(e.target.value));
            }}
            placeholder="Which is more energetic?"
            style={{ width: '100%' }}
            {...described('name')}
          />
        </FieldBox>
        <FieldBox label="Slug (in its address /p/…)" field="slug" errors={errors} grow>
          <input
            value={slug}
            maxLength={40}
            onChange={(e) => {
              setSlug(e.target.value);
              setSlugEdited(e.target.value !== '');
            }}
            placeholder="energy"
            autoCapitalize="none"
            spellCheck={false}
            style={{ width: '100%' }}
            {...described('slug')}
          />
        </FieldBox>
      </div>
      <FieldBox label="Description (optional, shown on the project's card)" field="description" errors={errors}>
        <textarea value={description} maxLength={2000} rows={2} onChange={(e) => setDescription(e.target.value)} style={{ width: '100%' }} {...described('description')} />
      </FieldBox>
      <fieldset className="stack" style={{ gap: 'var(--space-2)' }}>
        <legend>Question</legend>
        <label>
          <input type="radio" name="questionType" checked={questionType === 'valence_arousal'} onChange={() => setQuestionType('valence_arousal')} data-field="questionType" />{' '}
          Valence–arousal: each contributor places a clip on the plane (pleasant ↔ unpleasant, calm ↔ energetic)
        </label>
        <label>
          <input type="radio" name="questionType" checked={questionType === 'pairwise'} onChange={() => setQuestionType('pairwise')} /> Pairwise: which of two
          clips is more …?
        </label>
        {questionType === 'pairwise' && (
          <FieldBox label="Attribute (which of these two is more …?)" field="attribute" errors={errors}>
            <input value={attribute} maxLength={60} onChange={(e) => setAttribute(e.target.value)} placeholder="energetic" {...described('attribute')} />
          </FieldBox>
        )}
      </fieldset>
      <fieldset className="stack" style={{ gap: 'var(--space-2)' }} aria-describedby={errors.clipFilter ? 'project-clipFilter-error' : undefined}>
        <legend>Clips</legend>
        <label>
          <input type="radio" name="filterKind" checked={filterKind === 'all'} onChange={() => setFilterKind('all')} data-field="clipFilter" /> Every clip
          of the catalog
        </label>
        <div className="row" style={{ gap: 'var(--space-2)' }}>
          <label>
            <input type="radio" name="filterKind" checked={filterKind === 'source'} onChange={() => setFilterKind('source')} /> The clips of one source
          </label>
          {filterKind === 'source' && (
            <select aria-label="Source" value={source} onChange={(e) => setSource(e.target.value)} aria-invalid={errors.clipFilter ? true : undefined}>
              {props.sources.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.value} ({s.clips} clips)
                </option>
              ))}
            </select>
          )}
        </div>
        <label>
          <input type="radio" name="filterKind" checked={filterKind === 'artists'} onChange={() => setFilterKind('artists')} /> The clips of some artists
        </label>
        {filterKind === 'artists' && (
          <fieldset style={{ maxHeight: '12rem', overflowY: 'auto' }}>
            <legend>Artists ({artists.length} ticked)</legend>
            {props.artists.length === 0 && <p className="muted">No clip has an artist.</p>}
            {props.artists.map((a) => (
              <label key={a.value} style={{ display: 'block' }}>
                <input
                  type="checkbox"
                  checked={artists.includes(a.value)}
                  onChange={(e) => setArtists(e.target.checked ? [...artists, a.value] : artists.filter((x) => x !== a.value))}
                />{' '}
                {a.value} <span className="muted">({a.clips})</span>
              </label>
            ))}
          </fieldset>
        )}
        {errors.clipFilter && (
          <p id="project-clipFilter-error" className="error" style={{ margin: 0 }}>
            {errors.clipFilter}
          </p>
        )}
      </fieldset>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <FieldBox label={questionType === 'pairwise' ? 'Overlap (comparisons per clip)' : 'Overlap (ratings per clip)'} field="overlap" errors={errors}>
          <input type="number" inputMode="numeric" min={1} max={50} value={overlap} onChange={(e) => setOverlap(e.target.value)} style={{ width: '6rem' }} {...described('overlap')} />
        </FieldBox>
        <FieldBox label="Lease (minutes a contributor holds a question)" field="leaseMinutes" errors={errors}>
          <input type="number" inputMode="numeric" min={1} max={120} value={leaseMinutes} onChange={(e) => setLeaseMinutes(e.target.value)} style={{ width: '6rem' }} {...described('leaseMinutes')} />
        </FieldBox>
      </div>
      {errors.form && (
        <p className="error" role="alert" style={{ margin: 0 }}>
          {errors.form}
        </p>
      )}
      <div>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create project'}
        </button>
      </div>
    </form>
  );
}

/** A labelled field with its error underneath, tied to the input by `aria-describedby` (see `described`). */
function FieldBox(props: { label: string; field: Field; errors: Errors; grow?: boolean; children: ReactNode }) {
  const error = props.errors[props.field];
  return (
    <div className="stack" style={{ gap: 'var(--space-1)', flex: props.grow ? '1 1 14rem' : undefined, minWidth: 0 }}>
      <label className="stack" style={{ gap: 'var(--space-1)' }}>
        <span>{props.label}</span>
        {props.children}
      </label>
      {error && (
        <p id={`project-${props.field}-error`} className="error" style={{ margin: 0 }}>
          {error}
        </p>
      )}
    </div>
  );
}
