'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ROLES } from '@/db/schema/auth';
import { apiFetch } from '@/lib/client/api';

interface UserView {
  id: string;
  email: string;
  name: string;
  role: string;
  status: string;
  createdAt: string;
}

export function UserAdmin({ initialUsers }: { initialUsers: UserView[] }) {
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => apiFetch<{ users: UserView[] }>('/api/admin/users'),
    initialData: { users: initialUsers },
  });
  const patch = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Record<string, string> }) =>
      apiFetch(`/api/admin/users/${id}`, { method: 'PATCH', body: JSON.stringify(body) }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['users'] }),
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
      <h2 style={{ margin: 0 }}>Users and roles</h2>
      <form className="row" onSubmit={onCreate}>
        <input name="email" type="email" placeholder="email" required />
        <input name="name" placeholder="name" required />
        <select name="role" defaultValue="contributor">
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <input name="password" type="password" placeholder="initial password (8+)" minLength={8} required />
        <button type="submit">Add user</button>
      </form>
      {error && <p className="error">{error}</p>}
      <table>
        <thead>
          <tr>
            <th>Email</th>
            <th>Name</th>
            <th>Role</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {users.data.users.map((u) => (
            <tr key={u.id}>
              <td>{u.email}</td>
              <td>{u.name}</td>
              <td>
                <select value={u.role} onChange={(e) => patch.mutate({ id: u.id, body: { role: e.target.value } })}>
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>
                <select value={u.status} onChange={(e) => patch.mutate({ id: u.id, body: { status: e.target.value } })}>
                  {['active', 'paused', 'disabled'].map((s) => (
                    <option key={s}>{s}</option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
