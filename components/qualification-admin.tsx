'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import { QualificationOverrideSchema } from '@/lib/qualification/schemas';
import { ScrollTable } from './table-view';

export interface ContributorQualificationRow {
  id: string;
  name: string;
  email: string;
  status: string;
  qualifiedAt: string | null;
  granted: boolean;
  lastRound: { passed: boolean | null; finishedAt: string | null; retryAt: string | null } | null;
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');

function standing(r: ContributorQualificationRow): string {
  if (r.qualifiedAt) return r.granted ? `qualified (granted ${day(r.qualifiedAt)})` : `qualified (passed ${day(r.qualifiedAt)})`;
  if (!r.lastRound) return 'no round yet';
  if (r.lastRound.finishedAt === null) return 'round in progress';
  return `not qualified (retry from ${r.lastRound.retryAt ? r.lastRound.retryAt.replace('T', ' ').slice(0, 16) + ' UTC' : '—'})`;
}

/**
 * Qualification by hand (/admin/qualification): an admin grants a contributor's qualification
 * (they skip the round, and a failed round's pause ends) or revokes it (a fresh round on their next
 * clip), always with a note that goes in the audit log.
 */
export function QualificationAdmin({ rows }: { rows: ContributorQualificationRow[] }) {
  const router = useRouter();
  const [notes, setNotes] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [filter, setFilter] = useState('');

  const change = async (row: ContributorQualificationRow, qualified: boolean) => {
    const parsed = QualificationOverrideSchema.safeParse({ qualified, note: notes[row.id] ?? '' });
    if (!parsed.success) {
      setMessage(`${row.name}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      return;
    }
    setBusy(row.id);
    setMessage(null);
    try {
      await apiFetch(`/api/admin/users/${row.id}/qualification`, { method: 'PUT', body: JSON.stringify(parsed.data) });
      setMessage(`${row.name}: qualification ${qualified ? 'granted' : 'revoked'}.`);
      setNotes({ ...notes, [row.id]: '' });
      router.refresh();
    } catch (err) {
      setMessage(`${row.name}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(null);
    }
  };

  const shown = rows.filter((r) => !filter || `${r.name} ${r.email}`.toLowerCase().includes(filter.toLowerCase()));
  return (
    <section className="panel stack" data-testid="qualification-admin">
      {message && (
        <p role="status" className="muted" data-testid="qualification-message">
          {message}
        </p>
      )}
      <label>
        Find{' '}
        <input
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder="name or email"
          aria-label="Find a contributor"
        />
      </label>
      {shown.length === 0 ? (
        <p className="muted">No contributor.</p>
      ) : (
        <ScrollTable
          label="Contributor qualifications"
          head={
            <>
              <th>Contributor</th>
              <th>Account</th>
              <th>Qualification</th>
              <th>Note for the record</th>
              <th aria-label="Action" />
            </>
          }
        >
          {shown.map((r) => (
            <tr key={r.id} data-testid={`qualification-row-${r.email}`}>
              <td>
                {r.name}
                <div className="muted">{r.email}</div>
              </td>
              <td>{r.status}</td>
              <td>{standing(r)}</td>
              <td>
                <input
                  value={notes[r.id] ?? ''}
                  onChange={(e) => setNotes({ ...notes, [r.id]: e.target.value })}
                  placeholder="why"
                  maxLength={500}
                  aria-label={`Note for ${r.name}`}
                />
              </td>
              <td>
                <button type="button" disabled={busy === r.id} onClick={() => void change(r, !r.qualifiedAt)}>
                  {r.qualifiedAt ? 'Revoke' : 'Grant'}
                </button>
              </td>
            </tr>
          ))}
        </ScrollTable>
      )}
    </section>
  );
}
