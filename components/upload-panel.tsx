'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '@/lib/client/api';
import { useRef, useState, type DragEvent } from 'react';
import type { IngestResult } from '@/lib/catalog/schemas';
import { TableRegion } from './table-view';

interface Row {
  id: number;
  name: string;
  size: number;
  progress: number;
  result?: IngestResult;
  error?: string;
}

/** One request per file: each gets its own progress bar and result, and one bad file stops nothing. */
function uploadOne(file: File, licence: string, onProgress: (fraction: number) => void): Promise<IngestResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/clips');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText) as { results?: IngestResult[]; error?: { message: string } };
        if (body.results?.[0]) resolve(body.results[0]);
        else reject(new Error(body.error?.message ?? `Upload failed (${xhr.status})`));
      } catch {
        reject(new Error(`Upload failed (${xhr.status})`));
      }
    };
    xhr.onerror = () => reject(new Error('Network error during upload'));
    const form = new FormData();
    form.append('file', file);
    if (licence) form.append('licence', licence);
    xhr.send(form);
  });
}

export function UploadPanel() {
  const client = useQueryClient();
  const [rows, setRows] = useState<Row[]>([]);
  const [licence, setLicence] = useState('');
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const nextId = useRef(0);

  async function start(files: File[]) {
    const fresh = files.map((f) => ({ id: nextId.current++, name: f.name, size: f.size, progress: 0 }));
    setRows((r) => [...fresh, ...r]);
    const update = (id: number, patch: Partial<Row>) =>
      setRows((r) => r.map((row) => (row.id === id ? { ...row, ...patch } : row)));
    for (const [i, file] of files.entries()) {
      const id = fresh[i].id;
      try {
        const result = await uploadOne(file, licence, (p) => update(id, { progress: p }));
        update(id, { progress: 1, result });
      } catch (err) {
        update(id, { error: err instanceof Error ? err.message : String(err) });
      }
    }
    void client.invalidateQueries({ queryKey: ['jobs'] });
  }

  // Follow the new clips' feature extraction: every two seconds while any is still pending.
  const created = rows.flatMap((r) => (r.result?.status === 'created' && r.result.clipId ? [r.result.clipId] : []));
  const extraction = useQuery({
    queryKey: ['upload-extraction', created.slice(0, 100).join(',')],
    queryFn: () =>
      apiFetch<{ items: { id: string; status: string; error: string | null }[] }>(
        `/api/clips?limit=100&ids=${created.slice(0, 100).join(',')}`,
      ),
    enabled: created.length > 0,
    refetchInterval: (q) => (q.state.data?.items.some((c) => c.status === 'pending') ? 2000 : false),
  });
  const extractionOf = new Map((extraction.data?.items ?? []).map((c) => [c.id, c]));

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setOver(false);
    void start([...event.dataTransfer.files]);
  }

  return (
    <section className="panel stack">
      <h2 style={{ margin: 0 }}>Upload audio</h2>
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        onClick={() => input.current?.click()}
        style={{
          border: `2px dashed ${over ? 'var(--accent)' : 'var(--line)'}`,
          borderRadius: 10,
          padding: '2rem',
          textAlign: 'center',
          cursor: 'pointer',
        }}
        data-testid="dropzone"
      >
        Drop wav, mp3, flac or ogg files here, or click to choose. Duplicates are recognised by content.
        <input
          ref={input}
          type="file"
          accept="audio/*,.wav,.mp3,.flac,.ogg,.opus"
          multiple
          hidden
          onChange={(e) => e.target.files && void start([...e.target.files])}
        />
      </div>
      <label className="row">
        Licence for these files
        <input value={licence} onChange={(e) => setLicence(e.target.value)} placeholder="e.g. CC-BY-4.0" maxLength={100} />
      </label>
      {rows.length > 0 && (
        <TableRegion label="Uploaded files">
          <table>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td>{r.name}</td>
                  <td className="muted">{(r.size / 1e6).toFixed(1)} MB</td>
                  <td style={{ width: '30%' }}>
                    <div className="progress">
                      <div style={{ width: `${Math.round(r.progress * 100)}%` }} />
                    </div>
                  </td>
                  <td>
                    {r.error ? (
                      <span className="error">{r.error}</span>
                    ) : r.result ? (
                      r.result.status === 'rejected' ? (
                        <span className="error">{r.result.error}</span>
                      ) : (
                        <ExtractionBadge
                          duplicate={r.result.status === 'duplicate'}
                          clip={r.result.clipId ? extractionOf.get(r.result.clipId) : undefined}
                        />
                      )
                    ) : (
                      <span className="muted">uploading…</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableRegion>
      )}
    </section>
  );
}

/** Where a new clip is: added and extracting, ready for the queue, or failed with the reason. */
function ExtractionBadge({ duplicate, clip }: { duplicate: boolean; clip?: { status: string; error: string | null } }) {
  if (duplicate) return <span className="badge">already in the catalog</span>;
  if (clip?.status === 'ready')
    return (
      <span className="badge" data-extraction="ready" style={{ color: 'var(--good)', borderColor: 'var(--good)' }}>
        added · features ready, in the labeling queue
      </span>
    );
  if (clip?.status === 'failed')
    return (
      <span className="error" data-extraction="failed">
        added, but its features could not be extracted: {clip.error ?? 'no reason recorded'}
      </span>
    );
  return (
    <span className="badge" data-extraction="pending">
      added · extracting features…
    </span>
  );
}
