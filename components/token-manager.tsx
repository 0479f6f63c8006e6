'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import type { TokenView } from '@/lib/auth/schemas';
import { CopyButton } from './copy-button';
import { TableRegion } from './table-view';

export function TokenManager() {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [fresh, setFresh] = useState<string | null>(null);
  const tokens = useQuery({ queryKey: ['tokens'], queryFn: () => apiFetch<{ tokens: TokenView[] }>('/api/tokens') });
  const create = useMutation({
    mutationFn: (tokenName: string) =>
      apiFetch<{ token: string }>('/api/tokens', { method: 'POST', body: JSON.stringify({ name: tokenName }) }),
    onSuccess: (data) => {
      setFresh(data.token);
      setName('');
      void client.invalidateQueries({ queryKey: ['tokens'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => apiFetch(`/api/tokens/${id}`, { method: 'DELETE' }),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['tokens'] }),
  });

  return (
    <section className="panel stack">
      <h2 id="tokens-heading" style={{ margin: 0 }}>
        API tokens
      </h2>
      <p className="muted" style={{ margin: 0 }}>
        For the HTTP API and the CLI: <code>curl -H &apos;Authorization: Bearer …&apos; /api/export/jsonl</code>
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate(name.trim());
        }}
      >
        <input
          aria-label="Name of the new token"
          placeholder="Token name, e.g. training-pipeline"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={80}
        />
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {create.error && <p className="error">{create.error.message}</p>}
      {fresh && (
        <div className="row" data-testid="new-token-box">
          <span>Copy it now, it is not shown again:</span>
          <code data-testid="new-token" style={{ wordBreak: 'break-all' }}>
            {fresh}
          </code>
          <CopyButton text={fresh} label="Copy token" testId="copy-token" />
        </div>
      )}
      <TableRegion labelledBy="tokens-heading">
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Prefix</th>
              <th>Created</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.data?.tokens.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td className="muted">{new Date(t.createdAt).toLocaleString()}</td>
                <td className="muted">{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : '—'}</td>
                <td>
                  {t.revokedAt ? (
                    <span className="badge">revoked</span>
                  ) : (
                    <button type="button" className="secondary" onClick={() => revoke.mutate(t.id)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
    </section>
  );
}
