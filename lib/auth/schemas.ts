import { z } from 'zod';
import { ROLES } from '@/db/schema';

export const RoleSchema = z.enum(ROLES);

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
