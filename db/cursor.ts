import { Readable } from 'node:stream';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { DbOrTx } from './client';
import { parseCopyText } from './copy-text';

/**
 * Long reads from PostgreSQL in one statement, on one reserved connection inside a read-only
 * transaction (one snapshot for the whole read; `set local` settings apply to it alone):
 *
 * - `cursorBatches`: a server-side cursor (postgres.js `cursor(n)`), `batch` rows per fetch, typed
 *   by postgres.js as any query's rows;
 * - `copyBatches`: `COPY (query) TO STDOUT` in text format, parsed as it streams (./copy-text.ts);
 *   every field arrives as a string (or null), no per-fetch round trip, and the plan is chosen for
 *   the whole result rather than for its first rows.
 *
 * Both exist only on a postgres.js database outside a transaction (`cursorClient`): PGlite has one
 * connection and no portal to leave open, so its callers keep their keyset pages.
 */

interface PendingQuery extends Promise<unknown[]> {
  cursor(rows: number): AsyncIterable<unknown[]>;
  readable(): Promise<Readable>;
  /** postgres.js's settle function of the query (internal, see `copyBatches`). */
  resolve(value: unknown): void;
}

interface ReservedConnection {
  unsafe(query: string, params?: unknown[]): PendingQuery;
  release(): void;
}

export interface CursorClient {
  reserve(): Promise<ReservedConnection>;
}

/** The postgres.js client behind a drizzle database (not a transaction, not PGlite), or null. */
export function cursorClient(db: DbOrTx): CursorClient | null {
  const client = (db as { $client?: { unsafe?: unknown; reserve?: unknown } }).$client;
  if (!client || typeof client.unsafe !== 'function' || typeof client.reserve !== 'function') return null;
  return client as unknown as CursorClient;
}

export interface StatementOptions {
  /** `set local …` statements run before the query, inside its transaction. */
  settings?: readonly string[];
}

const dialect = new PgDialect();

async function* readOnly<T>(
  client: CursorClient,
  settings: readonly string[],
  body: (conn: ReservedConnection) => AsyncGenerator<T>,
): AsyncGenerator<T> {
  const conn = await client.reserve();
  let open = false;
  try {
    await conn.unsafe('begin read only');
    open = true;
    for (const setting of settings) await conn.unsafe(setting);
    yield* body(conn);
    await conn.unsafe('commit');
    open = false;
  } finally {
    if (open) await conn.unsafe('rollback').catch(() => {});
    conn.release();
  }
}

/** One query through a server-side cursor, `batch` rows at a time. */
export function cursorBatches<T>(client: CursorClient, query: SQL, batch: number, options: StatementOptions = {}): AsyncGenerator<T[]> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return readOnly(client, options.settings ?? [], async function* (conn) {
    // Read one batch ahead: the next fetch runs in the database while the caller works on this
    // one (postgres.js sends the next Execute as soon as `next()` is called), so database and
    // caller overlap instead of taking turns.
    const batches = conn.unsafe(text, params).cursor(batch)[Symbol.asyncIterator]();
    let ahead: Promise<IteratorResult<unknown[]>> | null = batches.next();
    try {
      for (;;) {
        const result: IteratorResult<unknown[]> = await ahead;
        if (result.done) break;
        ahead = batches.next();
        yield result.value as T[];
      }
      ahead = null;
    } finally {
      // Stopped early: let the fetch in flight land, then close the portal, so the connection is
      // free for the rollback.
      if (ahead) {
        const last = await ahead.catch(() => ({ done: true }) as const);
        if (!last.done) await batches.return?.();
      }
    }
  });
}

/**
 * `COPY (query) TO STDOUT` (text format), `batch` parsed rows at a time. COPY takes no bind
 * parameters, so the query's parameters are written into it as literals; only numbers, booleans,
 * strings and null are accepted, and `standard_conforming_strings` is set for the transaction so
 * a quoted string means exactly its characters (drizzle doubles the quotes).
 */
export function copyBatches(client: CursorClient, query: SQL, batch: number, options: StatementOptions = {}): AsyncGenerator<(string | null)[][]> {
  for (const p of dialect.sqlToQuery(query).params) {
    if (p !== null && !['number', 'boolean', 'string'].includes(typeof p)) throw new Error(`copyBatches: cannot write a ${typeof p} parameter into a COPY statement`);
    if (typeof p === 'number' && !Number.isFinite(p)) throw new Error(`copyBatches: cannot write ${p} into a COPY statement`);
  }
  const { sql: text } = dialect.sqlToQuery(query.inlineParams());
  const settings = ['set local standard_conforming_strings = on', ...(options.settings ?? [])];
  return readOnly(client, settings, async function* (conn) {
    const copy = conn.unsafe(`copy (${text}) to stdout`);
    // postgres.js destroys the stream with the statement's error, which the iterator below
    // rethrows to the reader. The 'error' event itself needs a listener from the moment the stream
    // exists: an error in the COPY's first network chunk is emitted (next tick) before an `await`
    // of the stream could attach one, and an unheard 'error' crashes the process. postgres.js
    // hands the stream over through the query's own `resolve`, synchronously: listen there.
    const handOver = copy.resolve;
    copy.resolve = (value) => {
      if (value instanceof Readable) value.on('error', () => {});
      handOver(value);
    };
    const stream = await copy.readable();
    let ended = false;
    try {
      // Not destroyed when the reader stops early: postgres.js still owns the stream and pauses
      // the socket while it is full, so the COPY has to be read to its end (below).
      for await (const rows of parseCopyText(stream.iterator({ destroyOnReturn: false }), batch)) yield rows;
      ended = true;
    } finally {
      if (!ended && !stream.destroyed) {
        // Stopped early (or the parser threw): read the rest of the COPY and discard it, so the
        // connection gets past it to the rollback. (A cancel request does not reach it: postgres.js
        // marks a query in COPY as no longer active.) An early stop only comes with an error or an
        // abort, so this costs time only on a path that has already failed.
        try {
          for await (const discarded of stream) void discarded;
        } catch {
          // The statement's own error was the reader's to see; here it only ends the COPY.
        }
      }
      // postgres.js 3.4 pauses the socket when a row fills the stream's buffer and does not resume
      // it if the end of the COPY came in the same chunk: the connection then hangs on its next
      // statement (porsager/postgres#499, fix proposed in #1016). The stream's read hook is what
      // resumes the socket; calling it once after the end is harmless when nothing is paused.
      (stream as unknown as { _read(size: number): void })._read(0);
    }
  });
}
