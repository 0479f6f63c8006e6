'use client';

import { useMemo, useState, type ReactNode } from 'react';

/** How a column sorts: a number or a string per row, and the direction it starts in. */
export interface SortColumn<T> {
  value: (row: T) => number | string | null;
  /** `desc` for figures where bigger comes first (votes, answers); names start `asc`. */
  first?: 'asc' | 'desc';
}

export interface TableViewOptions<T, K extends string> {
  columns: Record<K, SortColumn<T>>;
  initialSort: NoInfer<K>;
  /** The text a row is found by (lower-cased here). */
  text: (row: T) => string;
  /** Any further filter the screen adds (a role, a state); rows for which it is false are hidden. */
  keep?: (row: T) => boolean;
  pageSize?: number;
}

export interface TableView<T, K extends string> {
  rows: T[];
  total: number;
  matching: number;
  page: number;
  pages: number;
  setPage: (page: number) => void;
  query: string;
  setQuery: (q: string) => void;
  sort: K;
  dir: 'asc' | 'desc';
  sortBy: (key: K) => void;
}

const compare = (a: number | string | null, b: number | string | null) => {
  if (a === b) return 0;
  if (a === null) return 1; // blanks last whichever the direction
  if (b === null) return -1;
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
};

/**
 * Filtering, sorting and paging for a table the client already holds (users, jobs, contributors):
 * one discipline for every such table (issue 14, item 5). Tables that can grow past a few thousand
 * rows (clip labels, the audit log) page on the server instead.
 */
export function useTableView<T, K extends string>(all: T[], opts: TableViewOptions<T, K>): TableView<T, K> {
  const pageSize = opts.pageSize ?? 25;
  const [query, setQueryState] = useState('');
  const [sort, setSort] = useState<K>(opts.initialSort);
  const [dir, setDir] = useState<'asc' | 'desc'>(opts.columns[opts.initialSort].first ?? 'asc');
  const [page, setPage] = useState(1);
  const { columns, text, keep } = opts;
  const matched = useMemo(() => {
    const needle = query.trim().toLowerCase();
    const rows = all.filter((r) => (!keep || keep(r)) && (!needle || text(r).toLowerCase().includes(needle)));
    const value = columns[sort].value;
    const sign = dir === 'asc' ? 1 : -1;
    return rows
      .map((row, i) => ({ row, i, v: value(row) }))
      .sort((a, b) => {
        const c = a.v === null || b.v === null ? compare(a.v, b.v) : sign * compare(a.v, b.v);
        return c || a.i - b.i; // stable: equal values keep the server's order
      })
      .map((x) => x.row);
  }, [all, query, sort, dir, columns, text, keep]);
  const pages = Math.max(1, Math.ceil(matched.length / pageSize));
  const current = Math.min(page, pages);
  return {
    rows: matched.slice((current - 1) * pageSize, current * pageSize),
    total: all.length,
    matching: matched.length,
    page: current,
    pages,
    setPage,
    query,
    setQuery: (q) => {
      setQueryState(q);
      setPage(1);
    },
    sort,
    dir,
    sortBy: (key) => {
      if (key === sort) setDir(dir === 'asc' ? 'desc' : 'asc');
      else {
        setSort(key);
        setDir(columns[key].first ?? 'asc');
      }
      setPage(1);
    },
  };
}

/** A header cell that sorts its table; says its state to screen readers with `aria-sort`. */
export function SortHeader<K extends string>(props: {
  view: Pick<TableView<unknown, K>, 'sort' | 'dir' | 'sortBy'>;
  column: NoInfer<K>;
  children: ReactNode;
  title?: string;
}) {
  const on = props.view.sort === props.column;
  return (
    <th aria-sort={on ? (props.view.dir === 'asc' ? 'ascending' : 'descending') : undefined} title={props.title}>
      <button type="button" className="sort-link" onClick={() => props.view.sortBy(props.column)}>
        {props.children}
        <span aria-hidden="true">{on ? (props.view.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
}

/** The search box over a table. */
export function TableSearch(props: {
  view: Pick<TableView<unknown, string>, 'query' | 'setQuery'>;
  label: string;
  placeholder?: string;
}) {
  return (
    <label>
      {props.label}{' '}
      <input
        type="search"
        value={props.view.query}
        placeholder={props.placeholder}
        onChange={(e) => props.view.setQuery(e.target.value)}
      />
    </label>
  );
}

/**
 * "Rows 26–50 of 80" with previous / next, shown only when there is more than one page. `noun` is
 * the plural; a count of one says it without the final s ("1 snapshot"), which fits every noun used.
 */
export function TablePager(props: {
  view: Pick<TableView<unknown, string>, 'page' | 'pages' | 'setPage' | 'matching' | 'total'>;
  noun: string;
  pageSize?: number;
  testId?: string;
}) {
  const { view } = props;
  const size = props.pageSize ?? 25;
  const first = view.matching === 0 ? 0 : (view.page - 1) * size + 1;
  const last = Math.min(view.matching, view.page * size);
  return (
    <div className="row" data-testid={props.testId}>
      <span className="muted">
        {view.matching === 0
          ? `No ${props.noun} match${view.total ? ` (of ${view.total})` : ''}.`
          : view.pages > 1 || view.matching < view.total
            ? `${props.noun[0].toUpperCase()}${props.noun.slice(1)} ${first}–${last} of ${view.matching}${view.matching < view.total ? ` matching (${view.total} in all)` : ''}`
            : `${view.total} ${view.total === 1 ? props.noun.replace(/s$/, '') : props.noun}`}
      </span>
      {view.pages > 1 && (
        <>
          <button type="button" className="secondary small" disabled={view.page <= 1} onClick={() => view.setPage(view.page - 1)}>
            ← Previous
          </button>
          <span className="muted">
            Page {view.page} of {view.pages}
          </span>
          <button
            type="button"
            className="secondary small"
            disabled={view.page >= view.pages}
            onClick={() => view.setPage(view.page + 1)}
          >
            Next →
          </button>
        </>
      )}
    </div>
  );
}

/** How a scroll region is named: by its heading's id, or (with no heading) by a short label. */
export type RegionName = { label: string; labelledBy?: never } | { labelledBy: string; label?: never };

/**
 * A table's horizontal scroll box as a named region a keyboard can focus: on a phone a table wider
 * than the screen scrolls inside it, and the box may hold no button to tab to (axe
 * scrollable-region-focusable). Name it by the table's heading (`labelledBy`, its id) when there
 * is one, else by a short `label` saying what the table is.
 */
export function TableRegion(props: RegionName & { children: ReactNode }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={props.label} aria-labelledby={props.labelledBy}>
      {props.children}
    </div>
  );
}

/**
 * A table in its horizontal scroll box: the markup every table of the admin screens shares.
 * `head` is the header row's cells (plain `th` or {@link SortHeader}), `children` the body rows.
 * The box is a {@link TableRegion}, named by the table's heading (`labelledBy`) or a `label`.
 */
export function ScrollTable(props: RegionName & { head: ReactNode; children: ReactNode; testId?: string }) {
  const table = (
    <table data-testid={props.testId}>
      <thead>
        <tr>{props.head}</tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
  const name: RegionName = props.labelledBy !== undefined ? { labelledBy: props.labelledBy } : { label: props.label };
  return <TableRegion {...name}>{table}</TableRegion>;
}
