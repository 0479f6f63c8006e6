'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { apiFetch } from '@/lib/client/api';
import {
  WEBHOOK_EVENT_NAMES,
  WebhookCreateSchema,
  type WebhookDelivery,
  type WebhookEventName,
  type WebhookView,
} from '@/lib/webhooks/schemas';
import { ScrollTable, TableRegion } from './table-view';

const EVENT_TEXT: Record<WebhookEventName, string> = {
  'clip.settled': 'a clip reached consensus or an expert decision (up to 500 clips per delivery)',
  'model.promoted': 'a model became active',
  'snapshot.created': 'a dataset snapshot finished building',
};
const when = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) + ' UTC' : '—');

/**
 * The admin's webhooks (/admin/webhooks): register a URL for events, see its signing secret once,
 * switch it off or remove it, and read each webhook's delivery log.
 */
export function WebhookAdmin({ webhooks }: { webhooks: WebhookView[] }) {
  const router = useRouter();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEventName[]>(['clip.settled']);
  const [description, setDescription] = useState('');
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const [log, setLog] = useState<{ total: number; deliveries: WebhookDelivery[] } | null>(null);

  const run = async (work: () => Promise<string | null>) => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage(await work());
      router.refresh();
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const create = (e: React.FormEvent) => {
    e.preventDefault();
    const parsed = WebhookCreateSchema.safeParse({ url, events, description });
    if (!parsed.success) {
      setMessage(parsed.error.issues.map((i) => i.message).join('; '));
      return;
    }
    void run(async () => {
      const created = await apiFetch<WebhookView & { secret: string }>('/api/admin/webhooks', {
        method: 'POST',
        body: JSON.stringify(parsed.data),
      });
      setSecret({ url: created.url, secret: created.secret });
      setUrl('');
      setDescription('');
      return null;
    });
  };

  const showLog = async (id: string) => {
    if (open === id) {
      setOpen(null);
      return;
    }
    setOpen(id);
    setLog(null);
    try {
      setLog(await apiFetch(`/api/admin/webhooks/${id}/deliveries?limit=50`));
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div className="stack">
      {message && (
        <p role="status" className="muted" data-testid="webhook-message">
          {message}
        </p>
      )}
      {secret && (
        <section className="panel stack" data-testid="webhook-secret">
          <strong>Signing secret for {secret.url}</strong>
          <code style={{ wordBreak: 'break-all' }}>{secret.secret}</code>
          <p className="muted" style={{ margin: 0 }}>
            Copy it now: it is not shown again. Deliveries carry{' '}
            <code>Chorus-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</code> where hex is HMAC-SHA256 of{' '}
            <code>&lt;t&gt;.&lt;raw body&gt;</code> with this secret.
          </p>
          <button type="button" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </section>
      )}
      <form className="panel stack" onSubmit={create} data-testid="webhook-form">
        <h2 style={{ margin: 0 }}>Register a webhook</h2>
        <label>
          URL{' '}
          <input
            type="url"
            required
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://example.org/hooks/chorus"
            style={{ width: '100%' }}
          />
        </label>
        <fieldset>
          <legend>Events</legend>
          {WEBHOOK_EVENT_NAMES.map((ev) => (
            <label key={ev} style={{ display: 'block' }}>
              <input
                type="checkbox"
                checked={events.includes(ev)}
                onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))}
              />{' '}
              <code>{ev}</code> — {EVENT_TEXT[ev]}
            </label>
          ))}
        </fieldset>
        <label>
          Description{' '}
          <input
            value={description}
            maxLength={200}
            onChange={(e) => setDescription(e.target.value)}
            placeholder="what listens here"
          />
        </label>
        <div>
          <button type="submit" disabled={busy}>
            Register
          </button>
        </div>
      </form>
      <section className="panel stack" data-testid="webhook-list">
        <h2 id="webhooks-heading" style={{ margin: 0 }}>
          Webhooks
        </h2>
        {webhooks.length === 0 ? (
          <p className="muted" style={{ margin: 0 }}>
            None yet.
          </p>
        ) : (
          <ScrollTable
            labelledBy="webhooks-heading"
            head={
              <>
                <th>URL</th>
                <th>Events</th>
                <th>On</th>
                <th>Delivered</th>
                <th>Waiting</th>
                <th>Failed</th>
                <th aria-label="Actions" />
              </>
            }
          >
            {webhooks.map((w) => (
              <tr key={w.id}>
                <td style={{ overflowWrap: 'anywhere', minWidth: '12rem' }}>
                  {w.url}
                  {w.description && <div className="muted">{w.description}</div>}
                </td>
                <td>{w.events.join(', ')}</td>
                <td>{w.active ? 'yes' : 'off'}</td>
                <td>{w.delivered}</td>
                <td>{w.waiting}</td>
                <td>{w.failed}</td>
                <td className="row">
                  <button type="button" onClick={() => void showLog(w.id)} aria-expanded={open === w.id}>
                    Deliveries
                  </button>
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      void run(async () => {
                        await apiFetch(`/api/admin/webhooks/${w.id}`, {
                          method: 'PATCH',
                          body: JSON.stringify({ active: !w.active }),
                        });
                        return `${w.url} switched ${w.active ? 'off' : 'on'}.`;
                      })
                    }
                  >
                    {w.active ? 'Switch off' : 'Switch on'}
                  </button>
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() => {
                      if (!window.confirm(`Remove the webhook ${w.url} and its delivery log?`)) return;
                      void run(async () => {
                        await apiFetch(`/api/admin/webhooks/${w.id}`, { method: 'DELETE' });
                        return `${w.url} removed.`;
                      });
                    }}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </ScrollTable>
        )}
      </section>
      {open && (
        <section className="panel stack" data-testid="webhook-deliveries">
          <h2 id="webhook-deliveries-heading" style={{ margin: 0 }}>
            Delivery log
          </h2>
          {!log ? (
            <p className="muted">Loading…</p>
          ) : log.deliveries.length === 0 ? (
            <p className="muted" style={{ margin: 0 }}>
              No delivery yet: events are swept every minute.
            </p>
          ) : (
            <TableRegion labelledBy="webhook-deliveries-heading">
              <table>
                <thead>
                  <tr>
                    <th>Created</th>
                    <th>Event</th>
                    <th>Status</th>
                    <th>Attempts</th>
                    <th>Last answer</th>
                    <th>Last attempt</th>
                  </tr>
                </thead>
                <tbody>
                  {log.deliveries.map((d) => (
                    <tr key={d.id}>
                      <td>{when(d.createdAt)}</td>
                      <td>
                        {d.event}
                        {d.items !== null && <span className="muted"> ({d.items} clips)</span>}
                      </td>
                      <td>{d.status}</td>
                      <td>{d.attempts}</td>
                      <td>{d.lastError ?? (d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : '—')}</td>
                      <td>{when(d.lastAttemptAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {log.total > log.deliveries.length && <p className="muted">Newest 50 of {log.total}.</p>}
            </TableRegion>
          )}
        </section>
      )}
    </div>
  );
}
