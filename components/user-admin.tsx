'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState, type FormEvent } from 'react';
import { RoleSchema } from '@/lib/auth/schemas';
import { apiFetch } from '@/lib/client/api';
import { SortHeader, TablePager, TableRegion, TableSearch, useTableView } from './table-view';
import { describePauseCheck, PAUSE_CHECK_TITLES, UnpauseSchema, type PauseView } from '@/lib/pause/schemas';

interface UserView {
  id: string;
  email: string;
  name: string;
  role: string;
  status: string;
  createdAt: string;
}

const USER_STATUSES = ['active', 'paused', 'disabled'] as const;

const USER_COLUMNS = {
  email: { value: (u: UserView) => u.email },
  name: { value: (u: UserView) => u.name },
  role: { value: (u: UserView) => u.role },
  status: { value: (u: UserView) => u.status },
  created: { value: (u: UserView) => u.createdAt, first: 'desc' as const },
};

export function UserAdmin({ initialUsers, initialPauses }: { initialUsers: UserView[]; initialPauses: PauseView[] }) {
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => apiFetch<{ users: UserView[] }>('/api/admin/users'),
    initialData: { users: initialUsers },
  });
  const pauses = useQuery({
    queryKey: ['pauses'],
    queryFn: () => apiFetch<{ pauses: PauseView[] }>('/api/admin/pauses'),
    initialData: { pauses: initialPauses },
  });
  const pauseOf = new Map(pauses.data.pauses.map((p) => [p.userId, p]));
  const [roleFilter, setRoleFilter] = useState('');
  const [statusFilter, setStatusFilter] = useState('');
  const view = useTableView(users.data.users, {
    columns: USER_COLUMNS,
    initialSort: 'email',
    text: (u) => `${u.email} ${u.name}`,
    keep: (u) => (!roleFilter || u.role === roleFilter) && (!statusFilter || u.status === statusFilter),
  });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['users'] });
    void client.invalidateQueries({ queryKey: ['pauses'] });
  };
  const patch = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Record<string, string> }) =>
      apiFetch(`/api/admin/users/${id}`, { method: 'PATCH', body: JSON.stringify(body) }),
    onSuccess: refresh,
    onError: (e) => setError(e.message),
  });
  const create = useMutation({
    mutationFn: (body: Record<string, string>) => apiFetch('/api/admin/users', { method: 'POST', body: JSON.stringify(body) }),
    onSuccess: () => {
      setError(null);
      void client.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (e) => setError(e.message),
  });

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate(Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)])));
  }

  return (
    <section className="panel stack">
      <h2 id="users-heading" style={{ margin: 0 }}>
        Users and roles
      </h2>
      <form className="row" onSubmit={onCreate}>
        <input name="email" type="email" placeholder="email" aria-label="Email of the new user" required />
        <input name="name" placeholder="name" aria-label="Name of the new user" required />
        <select name="role" defaultValue="contributor" aria-label="Role of the new user">
          {RoleSchema.options.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <input name="password" type="password" placeholder="initial password (8+)" minLength={8} required />
        <button type="submit">Add user</button>
      </form>
      {error && <p className="error">{error}</p>}
      <div className="row" data-testid="user-filters">
        <TableSearch view={view} label="Find" placeholder="email or name" />
        <label>
          Role{' '}
          <select value={roleFilter} onChange={(e) => (setRoleFilter(e.target.value), view.setPage(1))}>
            <option value="">any</option>
            {RoleSchema.options.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          Status{' '}
          <select value={statusFilter} onChange={(e) => (setStatusFilter(e.target.value), view.setPage(1))}>
            <option value="">any</option>
            {USER_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
      </div>
      {/* Scrolls on a phone instead of pushing the page wider than the screen. */}
      <TableRegion labelledBy="users-heading">
        <table data-testid="users-table">
          <thead>
            <tr>
              <SortHeader view={view} column="email">
                Email
              </SortHeader>
              <SortHeader view={view} column="name">
                Name
              </SortHeader>
              <SortHeader view={view} column="role">
                Role
              </SortHeader>
              <SortHeader view={view} column="status">
                Status
              </SortHeader>
              <SortHeader view={view} column="created">
                Added
              </SortHeader>
            </tr>
          </thead>
          <tbody>
            {view.rows.map((u) => (
              <Fragment key={u.id}>
                <tr data-user-id={u.id}>
                  <td>{u.email}</td>
                  <td>{u.name}</td>
                  <td>
                    <select
                      aria-label={`Role of ${u.email}`}
                      value={u.role}
                      onChange={(e) => patch.mutate({ id: u.id, body: { role: e.target.value } })}
                    >
                      {RoleSchema.options.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <select
                      aria-label={`Status of ${u.email}`}
                      value={u.status}
                      onChange={(e) => patch.mutate({ id: u.id, body: { status: e.target.value } })}
                    >
                      {USER_STATUSES.map((s) => (
                        <option key={s}>{s}</option>
                      ))}
                    </select>
                  </td>
                  <td className="muted" style={{ whiteSpace: 'nowrap' }}>
                    {u.createdAt.slice(0, 10)}
                  </td>
                </tr>
                {u.status === 'paused' && (
                  <tr className="pause-row">
                    <td colSpan={5}>
                      <PauseDetails userId={u.id} pause={pauseOf.get(u.id) ?? null} onDone={refresh} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </TableRegion>
      <TablePager view={view} noun="users" testId="users-pager" />
    </section>
  );
}

/** Why a contributor is paused, their appeal, and the unpause-with-a-note control. */
function PauseDetails({ userId, pause, onDone }: { userId: string; pause: PauseView | null; onDone: () => void }) {
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const unpause = useMutation({
    mutationFn: (body: { note: string }) =>
      apiFetch(`/api/admin/users/${userId}/unpause`, { method: 'POST', body: JSON.stringify(body) }),
    onSuccess: () => {
      setProblem(null);
      setNote('');
      onDone();
    },
    onError: (e) => setProblem(e.message),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = UnpauseSchema.safeParse({ note });
    if (!parsed.success) return setProblem(parsed.error.issues.map((i) => i.message).join('; '));
    unpause.mutate(parsed.data);
  }
  return (
    <div className="stack" style={{ gap: 6 }} data-testid="pause-details">
      {pause ? (
        <>
          <div>
            <span className="badge">paused {new Date(pause.pausedAt).toLocaleString()}</span>{' '}
            {pause.reason.checks.map((c, i) => (
              <div key={i} data-check={c.check}>
                <strong>{PAUSE_CHECK_TITLES[c.check]}:</strong> <span className="muted">{describePauseCheck(c)}</span>
              </div>
            ))}
          </div>
          {pause.appeal ? (
            <blockquote
              style={{ margin: 0, paddingLeft: '0.75rem', borderLeft: '3px solid var(--line)' }}
              data-testid="pause-appeal"
            >
              <span className="muted">Appeal ({pause.appealedAt ? new Date(pause.appealedAt).toLocaleString() : ''}):</span>{' '}
              {pause.appeal}
            </blockquote>
          ) : (
            <span className="muted">No appeal yet.</span>
          )}
        </>
      ) : (
        <span className="muted">No reason recorded for this pause.</span>
      )}
      <form className="row" onSubmit={submit} style={{ flexWrap: 'wrap' }}>
        <input
          name="note"
          aria-label="Note for the record (why you unpause)"
          placeholder="note for the record (required)"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          maxLength={2000}
          style={{ flex: '1 1 16rem' }}
        />
        <button type="submit" disabled={unpause.isPending}>
          {unpause.isPending ? 'Unpausing…' : 'Unpause'}
        </button>
      </form>
      {problem && (
        <p className="error" role="alert" style={{ margin: 0 }}>
          {problem}
        </p>
      )}
    </div>
  );
}
