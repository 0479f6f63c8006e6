import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { execRows, type Db } from '@/db/client';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { EXTERNAL_EMAIL_DOMAIN } from './repo';

/**
 * Import of crowd results from another platform.
 *
 * Format: CSV with a header naming `item,worker,label` (other columns are ignored).
 *   - `item`: a clip id (uuid) or the sha256 of its audio (64 hex digits);
 *   - `worker`: the worker's id on the other platform;
 *   - `label`: the tags (keys of the active taxonomy) that worker said fit the clip, separated
 *     by `|` — one row is one complete answer: tags not listed count as "no". The value
 *     `(none)` (alone in the cell) is the "none of these moods fit" answer: a "no" on every tag,
 *     stored like the labeler's None of these (a vote with no tag). An empty cell is refused, so
 *     a missing label is never read as "none".
 * A worker answers an item once: a second row for the same item and worker with other tags is
 * rejected. Every row is checked on its own — a malformed row, an unknown tag or an unknown
 * clip rejects that row only (reported with its line number) and the rest is imported.
 *
 * Each external worker gets one placeholder contributor account (status 'disabled': it can
 * never sign in) whose votes carry `external_worker`. The idempotency key of a vote is a hash
 * of its normalised row, so importing the same file again adds nothing.
 */

export interface ImportVotesOptions {
  /** Namespace of the worker ids (the other platform's name): the same id from two sources is two people. */
  source?: string;
  /** Called after each batch of rows (for progress on the CLI). */
  onBatch?: (progress: ImportVotesProgress) => void;
}

export interface ImportVotesProgress {
  /** Batches done and in all. */
  batch: number;
  batches: number;
  /** Rows checked so far, of `total` well-formed rows. */
  done: number;
  total: number;
  /** Votes added so far. */
  imported: number;
}

export interface ImportProblem {
  line: number;
  error: string;
}

export interface ImportVotesResult {
  rows: number;
  imported: number;
  duplicates: number;
  rejected: ImportProblem[];
  workersCreated: number;
  /** Clips that received at least one new vote. */
  clips: number;
}

interface ParsedRow {
  line: number;
  item: string;
  worker: string;
  tags: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SHA256 = /^[0-9a-f]{64}$/i;
const BATCH = 500;
/** The label cell of a "none of these moods fit" answer (no tag key can be written so). */
export const NONE_LABEL = '(none)';

/** Parses and checks the rows that need no database; the rest is checked per batch. */
export function parseVotesCsv(text: string): { rows: ParsedRow[]; problems: ImportProblem[]; total: number } {
  const problems: ImportProblem[] = [];
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` csv-parse yields { record, info } pairs; its typings only know the plain form.
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        problems.push({
          line: (err as { lines?: number } | undefined)?.lines ?? 0,
          error: `unreadable CSV: ${err?.message ?? 'malformed record'}`,
        });
        return undefined;
      },
    }) as unknown as typeof records;
  } catch (err) {
    return { rows: [], problems: [{ line: (err as { lines?: number }).lines ?? 1, error: (err as Error).message }], total: 0 };
  }
  const header = (records[0]?.record ?? []).map((h) => h.toLowerCase());
  const position = { item: header.indexOf('item'), worker: header.indexOf('worker'), label: header.indexOf('label') };
  if (records.length === 0 || Object.values(position).some((p) => p < 0)) {
    return {
      rows: [],
      problems: [
        {
          line: 1,
          error: `the first line must name the columns item,worker,label${records.length ? ` (found "${header.join(',')}")` : ' (the file is empty)'}`,
        },
      ],
      total: 0,
    };
  }
  const rows: ParsedRow[] = [];
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.length !== header.length) {
      problems.push({ line, error: `expected ${header.length} fields (${header.join(',')}), found ${record.length}` });
      continue;
    }
    const item = record[position.item];
    const worker = record[position.worker];
    const label = record[position.label];
    if (!item || !worker || !label) {
      problems.push({ line, error: `empty ${!item ? 'item' : !worker ? 'worker' : 'label'}` });
      continue;
    }
    if (!UUID.test(item) && !SHA256.test(item)) {
      problems.push({ line, error: `item "${item}" is neither a clip id (uuid) nor a sha256` });
      continue;
    }
    if (worker.length > 200) {
      problems.push({ line, error: 'worker id longer than 200 characters' });
      continue;
    }
    const parts = label
      .split('|')
      .map((t) => t.trim())
      .filter(Boolean);
    if (parts.some((t) => t.toLowerCase() === NONE_LABEL)) {
      if (parts.length > 1) {
        problems.push({ line, error: `${NONE_LABEL} (none of these moods fit) cannot be given together with tags` });
        continue;
      }
      rows.push({ line, item: item.toLowerCase(), worker, tags: [] });
      continue;
    }
    const tags = [...new Set(parts)].sort();
    if (tags.length === 0) {
      problems.push({ line, error: `label names no tag (write ${NONE_LABEL} for "none of these moods fit")` });
      continue;
    }
    rows.push({ line, item: item.toLowerCase(), worker, tags });
  }
  return { rows, problems, total: records.length - 1 + problems.filter((p) => p.error.startsWith('unreadable')).length };
}

const workerKey = (source: string, worker: string) => createHash('sha256').update(`${source}\u0000${worker}`).digest('hex');

/**
 * Imports external votes (see the module comment for the format). Not in one transaction on
 * purpose: each batch stands alone, and a re-run after a failure imports only what is missing.
 * Aggregation is the caller's next step (`runFullAggregation`).
 */
export async function importVotesCsv(db: Db, text: string, options: ImportVotesOptions = {}): Promise<ImportVotesResult> {
  const source = options.source ?? 'external';
  const taxonomy = await getActiveTaxonomy(db);
  const known = new Set(taxonomy.tags.map((t) => t.key));
  const { rows, problems, total } = parseVotesCsv(text);
  const rejected = [...problems];
  let imported = 0;
  let duplicates = 0;
  let workersCreated = 0;
  const touched = new Set<string>();
  const seenPairs = new Map<string, { line: number; key: string }>();

  const batches = Math.ceil(rows.length / BATCH);
  const report = (b: number) =>
    options.onBatch?.({ batch: b / BATCH + 1, batches, done: Math.min(b + BATCH, rows.length), total: rows.length, imported });
  for (let b = 0; b < rows.length; report(b), b += BATCH) {
    const batch = rows.slice(b, b + BATCH);
    const clipIds = await resolveItems(
      db,
      batch.map((r) => r.item),
    );
    const ok: (ParsedRow & { clipId: string; key: string })[] = [];
    for (const row of batch) {
      const unknown = row.tags.filter((t) => !known.has(t));
      if (unknown.length > 0) {
        rejected.push({
          line: row.line,
          error: `unknown tag${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (taxonomy v${taxonomy.version})`,
        });
        continue;
      }
      const clipId = clipIds.get(row.item);
      if (!clipId) {
        rejected.push({ line: row.line, error: `no clip with id or sha256 ${row.item}` });
        continue;
      }
      const key = `import:${createHash('sha256')
        .update([source, clipId, row.worker, row.tags.join('|')].join('\u0000'))
        .digest('hex')}`;
      const pair = `${clipId}\u0000${row.worker}`;
      const earlier = seenPairs.get(pair);
      if (earlier) {
        if (earlier.key === key) duplicates++;
        else rejected.push({ line: row.line, error: `worker ${row.worker} already answered this clip on line ${earlier.line}` });
        continue;
      }
      seenPairs.set(pair, { line: row.line, key });
      ok.push({ ...row, clipId, key });
    }
    if (ok.length === 0) continue;

    const { ids: userIds, created } = await ensureExternalWorkers(db, source, [...new Set(ok.map((r) => r.worker))]);
    workersCreated += created;
    // A worker who answered the clip in an earlier import with other tags: one answer per worker and clip.
    // One jsonb parameter joined as a table, not a 500-tuple `(clip_id, user_id) in (...)` list: PGlite
    // spent minutes planning that row-value list once the votes table held rows (issue 23).
    const pairs = JSON.stringify(ok.map((r) => ({ clip_id: r.clipId, user_id: userIds.get(r.worker)! })));
    const existing = await execRows<{ clip_id: string; user_id: string; idempotency_key: string }>(
      db,
      sql`select v.clip_id, v.user_id, v.idempotency_key
          from jsonb_to_recordset(${pairs}::jsonb) as x(clip_id uuid, user_id uuid)
          join votes v on v.clip_id = x.clip_id and v.user_id = x.user_id
          where v.external_worker is not null`,
    );
    const existingByPair = new Map(existing.map((e) => [`${e.clip_id}\u0000${e.user_id}`, e.idempotency_key]));
    const fresh: typeof ok = [];
    for (const row of ok) {
      const previous = existingByPair.get(`${row.clipId}\u0000${userIds.get(row.worker)}`);
      if (previous === undefined) fresh.push(row);
      else if (previous === row.key) duplicates++;
      else
        rejected.push({
          line: row.line,
          error: `worker ${row.worker} already has a different answer on this clip from an earlier import`,
        });
    }
    if (fresh.length === 0) continue;

    const inserted = await db.transaction(async (tx) => {
      const json = JSON.stringify(
        fresh.map((r) => ({ clip_id: r.clipId, user_id: userIds.get(r.worker), tags: r.tags, key: r.key, worker: r.worker })),
      );
      const added = await execRows<{ clip_id: string }>(
        tx,
        sql`insert into votes (clip_id, user_id, kind, taxonomy_version, tags, idempotency_key, external_worker)
            select x.clip_id, x.user_id, 'vote', ${taxonomy.version}, x.tags, x.key, x.worker
            from jsonb_to_recordset(${json}::jsonb) as x(clip_id uuid, user_id uuid, tags text[], key text, worker text)
            on conflict do nothing
            returning clip_id`,
      );
      const perClip = new Map<string, number>();
      for (const a of added) perClip.set(a.clip_id, (perClip.get(a.clip_id) ?? 0) + 1);
      if (perClip.size > 0) {
        const counts = JSON.stringify([...perClip].map(([id, n]) => ({ id, n })));
        // Imported votes fill overlap slots like crowd votes (gold clips sit outside the overlap).
        await execRows(
          tx,
          sql`update clips c set vote_count = c.vote_count + x.n,
                assigned = case when exists (select 1 from gold_answers g where g.clip_id = c.id) then c.assigned else c.assigned + x.n end
              from jsonb_to_recordset(${counts}::jsonb) as x(id uuid, n int) where c.id = x.id`,
        );
      }
      return added;
    });
    imported += inserted.length;
    duplicates += fresh.length - inserted.length;
    for (const a of inserted) touched.add(a.clip_id);
  }
  rejected.sort((a, b) => a.line - b.line);
  return { rows: total, imported, duplicates, rejected, workersCreated, clips: touched.size };
}

/** item (clip id or sha256, lower-case) → clip id, for the items that exist. */
async function resolveItems(db: Db, items: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(items.filter((i) => UUID.test(i)))];
  const shas = [...new Set(items.filter((i) => SHA256.test(i)))];
  const out = new Map<string, string>();
  if (ids.length > 0) {
    const rows = await execRows<{ id: string }>(
      db,
      sql`select c.id from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb) as x(v) join clips c on c.id = x.v::uuid`,
    );
    for (const r of rows) out.set(r.id.toLowerCase(), r.id);
  }
  if (shas.length > 0) {
    const rows = await execRows<{ id: string; sha256: string }>(
      db,
      sql`select c.id, c.sha256 from jsonb_array_elements_text(${JSON.stringify(shas)}::jsonb) as x(v) join clips c on c.sha256 = x.v`,
    );
    for (const r of rows) out.set(r.sha256.toLowerCase(), r.id);
  }
  return out;
}

/**
 * One placeholder contributor per external worker: no password, status 'disabled', an email
 * under a reserved domain derived from a hash of (source, worker id). Returns worker → user id.
 */
async function ensureExternalWorkers(
  db: Db,
  source: string,
  workers: string[],
): Promise<{ ids: Map<string, string>; created: number }> {
  const wanted = workers.map((w) => ({
    worker: w,
    email: `external-${workerKey(source, w).slice(0, 24)}@${EXTERNAL_EMAIL_DOMAIN}`,
  }));
  const json = JSON.stringify(wanted.map((w) => ({ email: w.email, name: `${source}: ${w.worker}`.slice(0, 200) })));
  const created = await execRows<{ id: string }>(
    db,
    sql`insert into users (email, name, role, status)
        select x.email, x.name, 'contributor', 'disabled' from jsonb_to_recordset(${json}::jsonb) as x(email text, name text)
        on conflict do nothing
        returning id`,
  );
  const rows = await execRows<{ id: string; email: string }>(
    db,
    sql`select u.id, u.email from jsonb_array_elements_text(${JSON.stringify(wanted.map((w) => w.email))}::jsonb) as x(v)
        join users u on lower(u.email) = x.v`,
  );
  const byEmail = new Map(rows.map((r) => [r.email.toLowerCase(), r.id]));
  return { ids: new Map(wanted.map((w) => [w.worker, byEmail.get(w.email)!])), created: created.length };
}
