import { describe, expect, it } from 'vitest';
import { classifyFailure, isReadOnlySql, mayRetry, unavailableReason, withRetry } from '@/db/retry';
import { errorResponse } from '@/lib/http/route';

const err = (code: string) => Object.assign(new Error(code), { code });

describe('connection-error retry classifier (issue 19)', () => {
  it('treats a connection that never got established as not-sent, whatever the statement', () => {
    for (const code of ['ECONNREFUSED', 'CONNECT_TIMEOUT', '57P03']) {
      expect(classifyFailure(err(code))).toBe('not-sent');
      expect(mayRetry(err(code), false)).toBe(true);
    }
  });

  it('retries a lost connection only under a read', () => {
    for (const code of ['ECONNRESET', 'CONNECTION_CLOSED', '57P01']) {
      expect(classifyFailure(err(code))).toBe('lost');
      expect(mayRetry(err(code), true)).toBe(true);
      expect(mayRetry(err(code), false)).toBe(false);
    }
  });

  it('never retries other errors', () => {
    for (const e of [err('23505'), err('42P01'), err('CONNECTION_ENDED'), new Error('boom'), null, 'x']) {
      expect(classifyFailure(e)).toBe('other');
      expect(mayRetry(e, true)).toBe(false);
    }
  });

  it('recognises reads conservatively', () => {
    expect(isReadOnlySql('select 1')).toBe(true);
    expect(isReadOnlySql('  SELECT "id" from "clips" where "id" = $1')).toBe(true);
    expect(isReadOnlySql('with x as (select 1) select * from x')).toBe(true);
    expect(isReadOnlySql('(select 1) union (select 2)')).toBe(true);
    expect(isReadOnlySql('insert into votes values ($1)')).toBe(false);
    expect(isReadOnlySql('with d as (delete from leases returning *) select count(*) from d')).toBe(false);
    expect(isReadOnlySql('select * from leases where id = $1 for update')).toBe(false);
    expect(isReadOnlySql('select nextval(\'s\')')).toBe(false);
    expect(isReadOnlySql('select pg_advisory_lock(1)')).toBe(false);
    expect(isReadOnlySql('update clips set x = 1')).toBe(false);
  });

  it('withRetry runs a read again once after a lost connection, and not a third time', async () => {
    let calls = 0;
    await expect(withRetry(async () => (++calls === 1 ? Promise.reject(err('57P01')) : 'ok'), true)).resolves.toBe('ok');
    expect(calls).toBe(2);
    calls = 0;
    await expect(withRetry(async () => { calls++; throw err('ECONNRESET'); }, true)).rejects.toThrow('ECONNRESET');
    expect(calls).toBe(2);
  });

  it('withRetry does not run a write again after a lost connection', async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw err('CONNECTION_CLOSED'); }, false)).rejects.toThrow('CONNECTION_CLOSED');
    expect(calls).toBe(1);
  });

  it('names a database that cannot take a request: connection, full disk, other resources; through wrappers', () => {
    // drizzle wraps the driver's error in DrizzleQueryError with `cause`.
    const wrapped = (e: unknown) => Object.assign(new Error('Failed query: insert into votes …'), { cause: e });
    expect(unavailableReason(err('CONNECT_TIMEOUT'))).toBe('connection');
    expect(unavailableReason(wrapped(err('ECONNRESET')))).toBe('connection');
    expect(unavailableReason(wrapped(err('53100')))).toBe('disk-full');
    expect(unavailableReason(err('53200'))).toBe('resources');
    for (const e of [err('23505'), wrapped(err('40P01')), new Error('boom'), null, 'x']) expect(unavailableReason(e)).toBeNull();
  });

  it('a route answers 503 UNAVAILABLE for such a failure and 500 for a bug', async () => {
    const full = errorResponse(Object.assign(new Error('Failed query'), { cause: err('53100') }), 'r1');
    expect(full.status).toBe(503);
    expect(full.headers.get('retry-after')).toBe('5');
    expect(((await full.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/out of disk space; nothing was saved/) });
    const down = errorResponse(err('ECONNREFUSED'), 'r2');
    expect(down.status).toBe(503);
    expect(((await down.json()) as { error: { message: string } }).error.message).toMatch(/not reachable/);
    expect(errorResponse(err('23505'), 'r3').status).toBe(500);
  });
});
