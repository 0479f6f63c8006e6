import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { env } from '@/lib/env';

/**
 * The session-signing secret: NEXTAUTH_SECRET when set (required when several web
 * processes share sessions); otherwise one generated on first start and kept in the
 * data folder, so a bare `npm start` is secure without configuration.
 */
export function authSecret(): string {
  const e = env();
  if (e.NEXTAUTH_SECRET) return e.NEXTAUTH_SECRET;
  const holder = globalThis as unknown as { __chorusSecret?: string };
  if (holder.__chorusSecret) return holder.__chorusSecret;
  const dir = e.dataDir.startsWith('memory://') ? path.resolve('.data') : e.dataDir;
  const file = path.join(dir, 'auth-secret');
  try {
    holder.__chorusSecret = fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    fs.writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    holder.__chorusSecret = secret;
  }
  return holder.__chorusSecret!;
}
