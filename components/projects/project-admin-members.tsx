'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { RoleSchema } from '@/lib/auth/schemas';
import { apiFetch } from '@/lib/client/api';
import { AddMemberSchema, type MemberView, type ProjectView } from '@/lib/projects/schemas';
import { ScrollTable } from '../table-view';

const ROLE_WORDS: Record<string, string> = {
  contributor: 'contributor (answers)',
  expert: 'expert (answers, sees results)',
  engineer: 'engineer (results and exports)',
  admin: 'admin (manages members)',
};

/**
 * One project's members on /admin/projects: add a user by email with a role in the project,
 * change a member's role, take a member out. Roles here are per project: a contributor of the
 * installation may be an expert in one project.
 */
export function ProjectMembers({ project }: { project: ProjectView }) {
  const client = useQueryClient();
  const key = ['project-members', project.slug];
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string>('contributor');
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const base = `/api/projects/${encodeURIComponent(project.slug)}/members`;
  const heading = useRef<HTMLHeadingElement>(null);
  // Opened from the list (or just created): the keyboard and the screen reader land on the panel.
  useEffect(() => {
    heading.current?.scrollIntoView({ block: 'nearest' });
    heading.current?.focus();
  }, []);
  const members = useQuery({
    queryKey: key,
    queryFn: () => apiFetch<MemberView[]>(base),
    enabled: !project.openToAll,
  });
  const done = (message: string) => {
    setProblem(null);
    setStatus(message);
    void client.invalidateQueries({ queryKey: key });
  };
  const save = useMutation({
    mutationFn: (body: { email: string; role: string }) => apiFetch<MemberView>(base, { method: 'POST', body: JSON.stringify(body) }),
    onSuccess: (m) => done(`${m.email} is ${m.role} in “${project.name}”.`),
    onError: (e) => setProblem(e.message),
  });
  const remove = useMutation({
    mutationFn: (m: MemberView) => apiFetch(`${base}/${m.userId}`, { method: 'DELETE' }).then(() => m),
    onSuccess: (m) => done(`${m.email} is no longer a member of “${project.name}”.`),
    onError: (e) => setProblem(e.message),
  });

  const headingId = `members-${project.slug}`;
  const title = (
    <h3 id={headingId} ref={heading} tabIndex={-1} style={{ margin: 0 }}>
      Members of “{project.name}”
    </h3>
  );
  if (project.openToAll) {
    return (
      <div className="stack" data-testid={`members-${project.slug}`}>
        {title}
        <p className="muted" style={{ margin: 0 }}>
          “{project.name}” is open to every user at their installation role (change roles under Admin → Users and roles); it has
          no member list.
        </p>
      </div>
    );
  }

  const errorId = `member-error-${project.slug}`;
  function onAdd(event: FormEvent) {
    event.preventDefault();
    const parsed = AddMemberSchema.safeParse({ email, role });
    if (!parsed.success) return setProblem(parsed.error.issues.map((i) => i.message).join('; '));
    save.mutate(parsed.data, { onSuccess: () => setEmail('') });
  }

  return (
    <div className="stack" data-testid={`members-${project.slug}`}>
      {title}
      <form className="row" onSubmit={onAdd} noValidate>
        <label style={{ flex: '1 1 14rem' }}>
          Email{' '}
          <input
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            placeholder="someone@example.org"
            required
            aria-invalid={problem !== null || undefined}
            aria-describedby={problem ? errorId : undefined}
            style={{ width: '100%' }}
          />
        </label>
        <label>
          Role in this project{' '}
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {RoleSchema.options.map((r) => (
              <option key={r} value={r}>
                {ROLE_WORDS[r]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Adding…' : 'Add member'}
        </button>
      </form>
      {problem && (
        <p id={errorId} className="error" role="alert" style={{ margin: 0 }}>
          {problem}
        </p>
      )}
      {status && !problem && (
        <p role="status" className="muted" style={{ margin: 0 }}>
          {status}
        </p>
      )}
      {members.isError ? (
        <p className="error" style={{ margin: 0 }}>
          {members.error.message}
        </p>
      ) : !members.data ? (
        <p className="muted" style={{ margin: 0 }}>
          Loading members…
        </p>
      ) : members.data.length === 0 ? (
        <p className="muted" style={{ margin: 0 }}>
          No members yet: only installation admins can work in this project.
        </p>
      ) : (
        <ScrollTable
          labelledBy={headingId}
          testId={`members-table-${project.slug}`}
          head={
            <>
              <th>Email</th>
              <th>Name</th>
              <th>Role</th>
              <th>
                <span className="muted">Remove</span>
              </th>
            </>
          }
        >
          {members.data.map((m) => (
            <tr key={m.userId} data-member={m.email}>
              <td style={{ overflowWrap: 'anywhere', minWidth: '12rem' }}>{m.email}</td>
              <td>{m.name}</td>
              <td>
                <select
                  aria-label={`Role of ${m.email} in ${project.name}`}
                  value={m.role}
                  disabled={save.isPending}
                  onChange={(e) => save.mutate({ email: m.email, role: e.target.value })}
                >
                  {RoleSchema.options.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <button
                  type="button"
                  className="secondary small"
                  disabled={remove.isPending}
                  aria-label={`Remove ${m.email} from ${project.name}`}
                  onClick={() => remove.mutate(m)}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </ScrollTable>
      )}
    </div>
  );
}
