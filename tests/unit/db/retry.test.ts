import { describe, expect, it } from 'vitest';
import { classifyFailure, isReadOnlySql, mayRetry, withRetry } from '@/db/retry';

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
});
