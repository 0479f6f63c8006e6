/**
 * Adapters from the two database drivers to {@link SqlRunner}, with the
 * `transaction` hook the pgvector back-end needs on pooled connections.
 * Type-only imports: nothing here loads a driver.
 */
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import type { SqlRunner } from './ann-index';

/** PGlite (embedded). Its transactions hold PGlite's exclusive lock, so settings cannot leak between callers. */
export function pgliteSqlRunner(db: PGlite): SqlRunner {
  const wrap = (q: PGlite | Transaction): SqlRunner => ({
    query: async <T>(text: string, params: unknown[] = []) => (await q.query<T>(text, params)).rows,
  });
  return { ...wrap(db), transaction: (fn) => db.transaction((tx) => fn(wrap(tx))) };
}

/** postgres.js pool: `transaction` pins one connection via `sql.begin`. */
export function postgresSqlRunner(client: Sql): SqlRunner {
  const wrap = (q: Pick<Sql, 'unsafe'>): SqlRunner => ({
    query: async <T>(text: string, params: unknown[] = []) => (await q.unsafe(text, params as never[])) as unknown as T[],
  });
  return {
    ...wrap(client),
    transaction: async <T>(fn: (tx: SqlRunner) => Promise<T>) => (await client.begin((tx) => fn(wrap(tx)))) as T,
  };
}
