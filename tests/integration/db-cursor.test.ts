import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { copyBatches, cursorBatches, cursorClient, type CursorClient } from '@/db/cursor';
import { createTestDb, type TestDb } from '../helpers/db';

/**
 * db/cursor.ts: one statement on a reserved connection, through a server-side cursor or
 * `COPY … TO STDOUT`. PostgreSQL only: on PGlite (and inside a transaction) there is no client to
 * reserve, and callers keep their keyset pages.
 */

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

async function collect<T>(it: AsyncIterable<T[]>): Promise<{ rows: T[]; sizes: number[] }> {
  const rows: T[] = [];
  const sizes: number[] = [];
  for await (const batch of it) {
    rows.push(...batch);
    sizes.push(batch.length);
  }
  return { rows, sizes };
}

/** Awkward text for COPY: a tab, a newline, a carriage return, backslashes, a quote, unicode, a lone `\N`. */
const AWKWARD = ['tab\there', 'two\nlines', 'cr\rlf', 'back\\slash \\N \\t', "it's", 'Sigur Rós — 東京 🎵', '\\N', ''];

it('exists exactly on PostgreSQL outside a transaction', async () => {
  expect(cursorClient(t.handle.db) !== null).toBe(t.handle.mode === 'postgres');
  await t.handle.db.transaction(async (tx) => expect(cursorClient(tx)).toBeNull());
});

// Defined on PostgreSQL only (not skipped elsewhere): PGlite has no client to reserve, checked above.
if (process.env.CHORUS_TEST_DB === 'postgres') describe('on PostgreSQL', () => {
  let client: CursorClient;
  beforeAll(() => {
    client = cursorClient(t.handle.db)!;
  });

  it('reads a query in batches through a cursor, with parameters', async () => {
    const { rows, sizes } = await collect(cursorBatches<{ g: number }>(client, sql`select g from generate_series(1, ${23}::int) g order by g`, 5));
    expect(sizes).toEqual([5, 5, 5, 5, 3]);
    expect(rows.map((r) => r.g)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  });

  it('applies its settings to its own transaction only, read-only', async () => {
    const { rows } = await collect(
      cursorBatches<{ hash: string; ro: string }>(client, sql`select current_setting('enable_hashjoin') as hash, current_setting('transaction_read_only') as ro`, 10, {
        settings: ['set local enable_hashjoin = off'],
      }),
    );
    expect(rows).toEqual([{ hash: 'off', ro: 'on' }]);
    const [after] = await execRows<{ hash: string }>(t.handle.db, sql`select current_setting('enable_hashjoin') as hash`);
    expect(after.hash).toBe('on');
    await expect(collect(cursorBatches(client, sql`create table should_not_exist (x int)`, 10))).rejects.toThrow(/read-only transaction/);
  });

  it('gives the connection back when the reader stops early, more times than the pool has connections', async () => {
    for (let i = 0; i < 70; i++) {
      for await (const batch of cursorBatches<{ g: number }>(client, sql`select g from generate_series(1, 1000) g`, 10)) {
        expect(batch).toHaveLength(10);
        break;
      }
      for await (const batch of copyBatches(client, sql`select g from generate_series(1, 100000) g`, 10)) {
        expect(batch).toHaveLength(10);
        break;
      }
    }
    const { rows } = await collect(copyBatches(client, sql`select 1`, 10));
    expect(rows).toEqual([['1']]);
  });

  it('COPY gives the same text as a plain query, with nulls, tabs, newlines, backslashes and unicode', async () => {
    const values = sql.join(
      AWKWARD.map((v, i) => sql`(${i}::int, ${v}::text)`),
      sql`, `,
    );
    const query = sql`select i, s, case when i % 2 = 0 then null else s end as odd, array[s, null] as arr from (values ${values}) v(i, s) order by i`;
    const { rows, sizes } = await collect(copyBatches(client, query, 3));
    expect(sizes).toEqual([3, 3, 2]);
    expect(rows.map((r) => r.slice(0, 3))).toEqual(AWKWARD.map((s, i) => [String(i), s, i % 2 === 0 ? null : s]));
    // An array column arrives as PostgreSQL's array literal, exactly as `::text` gives it.
    const plain = await execRows<{ arr: string }>(t.handle.db, sql`select arr::text as arr from (${query}) q order by i`);
    expect(rows.map((r) => r[3])).toEqual(plain.map((r) => r.arr));
    expect(rows[3][3]).toBe('{"back\\\\slash \\\\N \\\\t",NULL}');
  });

  it('writes string and number parameters into the COPY statement as literals', async () => {
    const tricky = "O'Brien \\ 'quoted' \\' --";
    const { rows } = await collect(copyBatches(client, sql`select ${tricky}::text as s, ${0.75}::real as r, ${-3}::int as n, ${null}::text as z`, 10));
    expect(rows).toEqual([[tricky, '0.75', '-3', null]]);
  });

  it('rejects parameters it cannot write as a literal, before touching the database', () => {
    expect(() => copyBatches(client, sql`select ${{ a: 1 }}::jsonb`, 10)).toThrow(/cannot write a object parameter/);
    expect(() => copyBatches(client, sql`select ${Number.NaN}::real`, 10)).toThrow(/cannot write NaN/);
  });

  it('passes an error raised in the middle of the COPY to the reader, and the pool stays usable', async () => {
    const failing = sql`select case when g = 5000 then 1 / (g - 5000) else g end from generate_series(1, 10000) g`;
    await expect(collect(copyBatches(client, failing, 100))).rejects.toThrow(/division by zero/);
    await expect(collect(cursorBatches(client, failing, 100))).rejects.toThrow(/division by zero/);
    const [ok] = await execRows<{ n: number }>(t.handle.db, sql`select 41 + 1 as n`);
    expect(ok.n).toBe(42);
  });
});
