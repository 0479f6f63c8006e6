import { z } from 'zod';
import type { Role } from '@/db/schema/auth';

/**
 * The roles, in the order screens list them. Spelled out here rather than imported from the
 * table definitions, so client components (the admin's role picker) do not load the database
 * schema; `RolesMatchTheColumn` fails to compile if this list and the users.role enum part.
 */
export const RoleSchema = z.enum(['contributor', 'expert', 'engineer', 'admin']);
export type RolesMatchTheColumn = [Role, z.infer<typeof RoleSchema>] extends [z.infer<typeof RoleSchema>, Role] ? true : never;
const rolesMatch: RolesMatchTheColumn = true;
void rolesMatch;

export const CreateUserSchema = z.object({
  email: z.string().trim().toLowerCase().email().max(200),
  name: z.string().trim().min(1).max(120),
  role: RoleSchema,
  password: z.string().min(8).max(200),
});
export type CreateUserInput = z.infer<typeof CreateUserSchema>;

export const UpdateUserSchema = z.object({
  role: RoleSchema.optional(),
  status: z.enum(['active', 'paused', 'disabled']).optional(),
});
export type UpdateUserInput = z.infer<typeof UpdateUserSchema>;

export const CreateTokenSchema = z.object({ name: z.string().trim().min(1).max(80) });

export const TokenSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type TokenView = z.infer<typeof TokenSchema>;

export const CredentialsSchema = z.object({
  email: z.string().trim().toLowerCase().email().max(200),
  password: z.string().min(1).max(200),
});
