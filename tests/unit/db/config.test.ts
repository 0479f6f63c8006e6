import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbConfigFromEnv } from '@/db/config';
import { env, resetEnvCache } from '@/lib/env';

describe('db/config: the database layer reads its own two variables', () => {
  it('defaults to the embedded database in ./.data, made absolute', () => {
    expect(dbConfigFromEnv({})).toEqual({ databaseUrl: undefined, dataDir: path.resolve('.data') });
  });

  it('keeps memory:// as it is and passes a server URL through', () => {
    expect(dbConfigFromEnv({ CHORUS_DATA_DIR: 'memory://', DATABASE_URL: 'postgres://u@h:5432/d' })).toEqual({
      databaseUrl: 'postgres://u@h:5432/d',
      dataDir: 'memory://',
    });
  });

  it('refuses a DATABASE_URL that is not a URL, naming the variable', () => {
    expect(() => dbConfigFromEnv({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
  });

  it('agrees with lib/env, which extends the same schema', () => {
    const before = process.env.CHORUS_DATA_DIR;
    process.env.CHORUS_DATA_DIR = 'some/relative/dir';
    resetEnvCache();
    try {
      expect(env().dataDir).toBe(path.resolve('some/relative/dir'));
      expect(dbConfigFromEnv().dataDir).toBe(env().dataDir);
    } finally {
      if (before === undefined) delete process.env.CHORUS_DATA_DIR;
      else process.env.CHORUS_DATA_DIR = before;
      resetEnvCache();
    }
  });
});
