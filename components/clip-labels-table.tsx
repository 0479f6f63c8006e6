import Link from 'next/link';
import type { ClipLabelSummary } from '@/lib/catalog/repo';
import { TableRegion } from './table-view';
import {
  CLIP_LABEL_STATES,
  CLIP_LABEL_STATE_WORDS,
  clipLabelQueryString,
  defaultDir,
  type ClipLabelQuery,
} from '@/lib/catalog/schemas';

const stateWords = (s: string) => (CLIP_LABEL_STATE_WORDS as Record<string, string>)[s] ?? s;

const COLUMNS: { sort: ClipLabelQuery['sort'] | null; label: string }[] = [
  { sort: 'title', label: 'Clip' },
  { sort: 'artist', label: 'Artist' },
  { sort: 'state', label: 'State' },
  { sort: 'votes', label: 'Votes' },
  { sort: null, label: 'Label' },
];

/**
 * The engineer's labels table (issue 14, item 5): filter by text, state and mood, sort by any
 * column, a page at a time. A plain GET form and links, so a view is a URL and works before the
 * page's scripts load; the server reads only the page it shows.
 */
export function ClipLabelsTable(props: {
  base: string;
  query: ClipLabelQuery;
  total: number;
  items: ClipLabelSummary[];
  perPage: number;
  tags: string[];
  invalid: string | null;
}) {
  const { base, query, total, items, perPage } = props;
  const dir = query.dir ?? defaultDir(query.sort);
  const pages = Math.max(1, Math.ceil(total / perPage));
  const first = total === 0 ? 0 : (query.page - 1) * perPage + 1;
  const last = Math.min(total, query.page * perPage);
  const filtered = Boolean(query.q || query.state || query.tag);
  const href = (q: Partial<ClipLabelQuery>) => `${base}${clipLabelQueryString({ ...query, ...q })}#labels`;
  return (
    <div className="stack">
      <form className="row" method="get" action={`${base}#labels`} data-testid="clip-labels-filters">
        <label>
          Search <input type="search" name="q" defaultValue={query.q ?? ''} placeholder="title or artist" />
        </label>
        <label>
          State{' '}
          <select name="state" defaultValue={query.state ?? ''}>
            <option value="">any</option>
            {CLIP_LABEL_STATES.map((s) => (
              <option key={s} value={s}>
                {CLIP_LABEL_STATE_WORDS[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Labelled{' '}
          <select name="tag" defaultValue={query.tag ?? ''}>
            <option value="">any mood</option>
            {props.tags.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        {query.sort !== 'votes' && <input type="hidden" name="sort" value={query.sort} />}
        {query.dir && <input type="hidden" name="dir" value={query.dir} />}
        <button type="submit">Filter</button>
        {filtered && (
          <Link className="button secondary" href={`${base}${clipLabelQueryString({ sort: query.sort, dir: query.dir })}#labels`}>
            Clear
          </Link>
        )}
      </form>
      {props.invalid && (
        <p className="error" role="alert">
          {props.invalid} — showing the first page of every clip instead.
        </p>
      )}
      <p className="muted" style={{ margin: 0 }} data-testid="clip-labels-count">
        {total === 0
          ? filtered
            ? 'No clip matches these filters.'
            : 'No clips yet: upload audio or import a catalog on the admin page.'
          : `Clips ${first}–${last} of ${total}${filtered ? ' matching' : ''}. Labels are the current aggregate (majority until the reliability-weighted aggregator runs).`}
      </p>
      {items.length > 0 && (
        <TableRegion label="Clips and their labels">
          <table data-testid="clip-labels">
            <thead>
              <tr>
                {COLUMNS.map((c) => {
                  const on = c.sort === query.sort;
                  const next = on ? (dir === 'asc' ? 'desc' : 'asc') : defaultDir(c.sort ?? 'votes');
                  return (
                    <th key={c.label} aria-sort={on ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                      {c.sort ? (
                        <Link
                          className="sort-link"
                          href={href({ sort: c.sort, dir: next, page: 1 })}
                          title={`Sort by ${c.label.toLowerCase()}`}
                        >
                          {c.label}
                          <span aria-hidden="true">{on ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
                        </Link>
                      ) : (
                        c.label
                      )}
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id} data-clip-id={c.id}>
                  <td>{c.title}</td>
                  <td className="muted">{c.artist}</td>
                  <td>
                    <span className="badge">{stateWords(c.labelState)}</span>
                  </td>
                  <td>{c.voteCount}</td>
                  <td>{c.labels.join(', ') || <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
      {pages > 1 && (
        <nav className="row" aria-label="Label pages" data-testid="clip-labels-pages">
          {query.page > 1 && (
            <Link className="button secondary" href={href({ page: query.page - 1 })}>
              ← Previous
            </Link>
          )}
          <span className="muted">
            Page {query.page} of {pages}
          </span>
          {query.page < pages && (
            <Link className="button secondary" href={href({ page: query.page + 1 })}>
              Next →
            </Link>
          )}
        </nav>
      )}
    </div>
  );
}
