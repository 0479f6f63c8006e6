import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDb } from '@/db/client';

describe('embedded database folder', () => {
  it('refuses a second opener while the first holds it, and frees the folder on close', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-lock-'));
    try {
      const first = await openDb({ dataDir: dir });
      // Same process: a second handle would corrupt the folder just as another process would,
      // so simulate another owner by writing a live foreign pid (our parent's).
      fs.writeFileSync(path.join(dir, 'chorus.lock'), String(process.ppid));
      await expect(openDb({ dataDir: dir })).rejects.toThrow(/in use by process/);
      fs.writeFileSync(path.join(dir, 'chorus.lock'), String(process.pid));
      await first.close();
      expect(fs.existsSync(path.join(dir, 'chorus.lock'))).toBe(false);
      // A lock left by a dead process is taken over.
      fs.writeFileSync(path.join(dir, 'chorus.lock'), '999999');
      const again = await openDb({ dataDir: dir });
      await again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
