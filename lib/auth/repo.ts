import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { apiTokens, users, type Role } from '@/db/schema';
import { AppError } from '@/lib/errors';
import { hashPassword } from './password';
import type { CreateUserInput, TokenView } from './schemas';

export type UserRow = typeof users.$inferSelect;

export async function findUserByEmail(db: DbOrTx, email: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email.toLowerCase()}`)
    .limit(1);
  return row;
}

export async function findUserById(db: DbOrTx, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

export async function createUser(db: DbOrTx, input: CreateUserInput): Promise<UserRow> {
  if (await findUserByEmail(db, input.email)) throw new AppError('DUPLICATE', `A user with email ${input.email} exists`);
  const [row] = await db
    .insert(users)
    .values({ email: input.email, name: input.name, role: input.role, passwordHash: await hashPassword(input.password) })
    .returning();
  return row;
}

/** OAuth sign-in: the first visit creates a contributor. */
export async function upsertOAuthUser(db: DbOrTx, email: string, name: string): Promise<UserRow> {
  const existing = await findUserByEmail(db, email);
  if (existing) return existing;
  const [row] = await db.insert(users).values({ email, name, role: 'contributor' }).returning();
  return row;
}

export async function listUsers(db: DbOrTx) {
  return db
    .select({ id: users.id, email: users.email, name: users.name, role: users.role, status: users.status, createdAt: users.createdAt })
    .from(users)
    .orderBy(users.createdAt);
}

export async function updateUser(db: DbOrTx, id: string, patch: { role?: Role; status?: UserRow['status'] }) {
  const [row] = await db
    .update(users)
    // Disabling a user ends their open sessions too (the status is also checked per request;
    // the bump makes re-enabling not revive old cookies).
    .set(patch.status === 'disabled' ? { ...patch, sessionVersion: sql`${users.sessionVersion} + 1` } : patch)
    .where(eq(users.id, id))
    .returning();
  if (!row) throw new AppError('NOT_FOUND', 'No such user');
  return row;
}

/** Sets a new password and ends every session of the user (their cookies carry the old version). */
export async function setUserPassword(db: DbOrTx, id: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  const [row] = await db
    .update(users)
    .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, id))
    .returning({ id: users.id });
  if (!row) throw new AppError('NOT_FOUND', 'No such user');
}

/**
 * Sign-out: bumps the session version, so the signed-out cookie (and any copy of it, and the
 * user's other sessions) is refused from now on. Only a cookie of the current version can do
 * this — a stale captured cookie cannot keep signing the user out elsewhere.
 * Returns whether a session was revoked.
 */
export async function revokeSessions(db: DbOrTx, id: string, tokenVersion: number): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(and(eq(users.id, id), eq(users.sessionVersion, tokenVersion)))
    .returning({ id: users.id });
  return rows.length > 0;
}

const TOKEN_PREFIX = 'chorus_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates an API token; the plain token is returned once and only its hash is stored. */
export async function createApiToken(db: DbOrTx, userId: string, name: string): Promise<{ token: string; view: TokenView }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const [row] = await db
    .insert(apiTokens)
    .values({ userId, name, tokenHash: hashToken(token), prefix: token.slice(0, TOKEN_PREFIX.length + 6) })
    .returning();
  return { token, view: toTokenView(row) };
}

export async function listApiTokens(db: DbOrTx, userId: string): Promise<TokenView[]> {
  const rows = await db.select().from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(desc(apiTokens.createdAt));
  return rows.map(toTokenView);
}

export async function revokeApiToken(db: DbOrTx, userId: string, tokenId: string): Promise<void> {
  const [row] = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  if (!row) throw new AppError('NOT_FOUND', 'No such active token');
}

/** The user behind a bearer token, or undefined for an unknown or revoked one. */
export async function findUserByToken(db: DbOrTx, token: string): Promise<UserRow | undefined> {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const [row] = await db
    .select({ user: users, tokenId: apiTokens.id, lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)))
    .limit(1);
  if (!row) return undefined;
  // "Last used" to the minute is enough; writing it on every request made one shared token a
  // hot row under load (found by the load suite).
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.tokenId));
  }
  return row.user;
}

function toTokenView(row: typeof apiTokens.$inferSelect): TokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
