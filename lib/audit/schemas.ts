import { z } from 'zod';

/**
 * Filters of the admin audit page and its CSV download (the same query string for both).
 * Client-safe. Days are UTC calendar days: `from` and `to` are inclusive.
 */
const blankIsAbsent = (v: unknown) => (v === '' || v === null ? undefined : v);
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DaySchema = z
  .string()
  .regex(DAY, 'a day as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'not a calendar day');

export const AUDIT_SYSTEM_ACTOR = 'system';

export const AuditQuerySchema = z
  .object({
    /** A user id, or `system` for rows written without a signed-in actor (jobs, the CLI). */
    actor: z.preprocess(blankIsAbsent, z.union([z.string().uuid(), z.literal(AUDIT_SYSTEM_ACTOR)]).optional()),
    action: z.preprocess(blankIsAbsent, z.string().trim().min(1).max(100).optional()),
    from: z.preprocess(blankIsAbsent, DaySchema.optional()),
    to: z.preprocess(blankIsAbsent, DaySchema.optional()),
    page: z.preprocess(blankIsAbsent, z.coerce.number().int().min(1).max(100_000).default(1)),
    limit: z.preprocess(blankIsAbsent, z.coerce.number().int().min(1).max(200).default(50)),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { path: ['to'], message: '"to" is before "from"' });
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export const AuditRowSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  actorEmail: z.string().nullable(),
  action: z.string(),
  entity: z.string(),
  entityId: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});
export type AuditRow = z.infer<typeof AuditRowSchema>;

export const AuditPageSchema = z.object({
  rows: z.array(AuditRowSchema),
  total: z.number().int(),
  page: z.number().int(),
  pages: z.number().int(),
});
export type AuditPage = z.infer<typeof AuditPageSchema>;

/** The filters as a query string (empty ones left out), for links between pages and to the CSV. */
export function auditQueryString(q: Partial<AuditQuery>): string {
  const params = new URLSearchParams();
  for (const key of ['actor', 'action', 'from', 'to', 'page'] as const) {
    const v = q[key];
    if (v !== undefined && v !== '' && !(key === 'page' && v === 1)) params.set(key, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}
