import type { Role } from '@/db/schema';

type Access = readonly Role[] | 'public';
const ANY_SIGNED_IN: readonly Role[] = [];
const ENGINEERS: readonly Role[] = ['engineer', 'admin'];
const ADMINS: readonly Role[] = ['admin'];
const EXPERTS: readonly Role[] = ['expert', 'admin'];

/**
 * Who may call each API route. Route handlers read their roles from here and the
 * role-matrix test enumerates `app/api/**\/route.ts` against it, so a new route
 * without an entry fails the tests instead of shipping unguarded.
 */
export const ROUTE_ACCESS = {
  '/api/health': { GET: 'public' },
  '/api/openapi': { GET: 'public' },
  /** Prometheus metrics; also readable with the `CHORUS_METRICS_TOKEN` bearer when that is set. */
  '/api/metrics': { GET: ENGINEERS },
  '/api/me': { GET: ANY_SIGNED_IN },
  '/api/taxonomy': { GET: ANY_SIGNED_IN },
  '/api/queue/next': { GET: ANY_SIGNED_IN },
  '/api/votes': { POST: ANY_SIGNED_IN },
  /** The caller's own last answer only (lib/queue/undo.ts). */
  '/api/votes/undo': { POST: ANY_SIGNED_IN },
  '/api/leases/[id]/release': { POST: ANY_SIGNED_IN },
  '/api/leases/[id]/renew': { POST: ANY_SIGNED_IN },
  '/api/clips/[id]/audio': { GET: ANY_SIGNED_IN },
  '/api/clips/[id]/escalate': { POST: ENGINEERS },
  '/api/clips': { GET: ENGINEERS, POST: ADMINS },
  '/api/export/jsonl': { GET: ENGINEERS },
  '/api/datasets': { GET: ENGINEERS, POST: ENGINEERS },
  '/api/datasets/[id]': { GET: ENGINEERS },
  '/api/datasets/[id]/files/[...path]': { GET: ENGINEERS },
  '/api/jobs': { GET: ENGINEERS },
  '/api/tokens': { GET: ENGINEERS, POST: ENGINEERS },
  '/api/tokens/[id]': { DELETE: ENGINEERS },
  '/api/admin/users': { GET: ADMINS, POST: ADMINS },
  '/api/admin/users/[id]': { PATCH: ADMINS },
  '/api/admin/settings': { GET: ADMINS, PATCH: ADMINS },
  '/api/admin/taxonomy': { GET: ENGINEERS, POST: ADMINS },
  '/api/admin/taxonomy/[version]/mapping': { GET: ENGINEERS },
  '/api/me/quality': { GET: ANY_SIGNED_IN },
  /** The caller's own pause and appeal: the only routes a paused account may call (`allowPaused`). */
  '/api/me/pause': { GET: ANY_SIGNED_IN },
  '/api/me/pause/appeal': { POST: ANY_SIGNED_IN },
  '/api/admin/pauses': { GET: ADMINS },
  /** The audit log (issue 15, item 8): a page of rows, and the same filter as a CSV download. */
  '/api/admin/audit': { GET: ADMINS },
  '/api/admin/audit/csv': { GET: ADMINS },
  '/api/admin/users/[id]/unpause': { POST: ADMINS },
  /** Grant or revoke a contributor's qualification by hand (issue 15); audited. */
  '/api/admin/users/[id]/qualification': { PUT: ADMINS },
  /** Outgoing webhooks (issue 15, item 9): registration and the delivery log. */
  '/api/admin/webhooks': { GET: ADMINS, POST: ADMINS },
  '/api/admin/webhooks/[id]': { PATCH: ADMINS, DELETE: ADMINS },
  '/api/admin/webhooks/[id]/deliveries': { GET: ADMINS },
  /** Pre-annotations (issue 15, item 9): import an outside model's predictions, export the current model's. */
  '/api/predictions/import': { POST: ENGINEERS },
  '/api/predictions/export': { GET: ENGINEERS },
  '/api/datasets/count': { POST: ENGINEERS },
  '/api/crowd/reliability': { GET: ENGINEERS },
  '/api/crowd/agreement': { GET: ENGINEERS },
  '/api/crowd/states': { GET: ENGINEERS },
  '/api/crowd/aggregate': { POST: ENGINEERS },
  '/api/models': { GET: ENGINEERS },
  '/api/models/retrain': { POST: ENGINEERS },
  '/api/models/rollback': { POST: ENGINEERS },
  '/api/models/canary': { GET: ENGINEERS, POST: ENGINEERS },
  '/api/models/canary/[id]/stop': { POST: ENGINEERS },
  /** The recommender's exploration bandit: its posterior per arm, and the switch (issue 20, item 3). */
  '/api/models/exploration': { GET: ENGINEERS, PATCH: ENGINEERS },
  /** A/B experiments of the recommender (issue 20, item 2). */
  '/api/experiments': { GET: ENGINEERS, POST: ENGINEERS },
  '/api/experiments/[id]': { GET: ENGINEERS },
  '/api/experiments/[id]/stop': { POST: ENGINEERS },
  '/api/models/strategy': { GET: ENGINEERS, PATCH: ENGINEERS },
  '/api/models/[id]/promote': { POST: ENGINEERS },
  '/api/models/[id]/onnx': { GET: ENGINEERS },
  '/api/models/[id]/embeddings': { POST: ENGINEERS },
  '/api/models/embeddings/copy-active': { POST: ENGINEERS },
  '/api/review/next': { GET: EXPERTS },
  '/api/review/decisions': { POST: EXPERTS },
  '/api/review/agreement': { GET: ['expert', 'engineer', 'admin'] },
  /** Gold authoring (issue 15, item 1): gold answers are expert data; no contributor route may touch them. */
  '/api/gold': { GET: EXPERTS, POST: EXPERTS },
  '/api/gold/[id]': { DELETE: EXPERTS },
  '/api/gold/promote': { POST: EXPERTS },
  /** Per-tag guidelines (issue 15, item 2): everyone reads them (onboarding, the labeler's help); experts write them. */
  '/api/guidelines': { GET: ANY_SIGNED_IN },
  '/api/guidelines/[tag]': { PUT: EXPERTS },
  '/api/guidelines/[tag]/candidates': { GET: EXPERTS },
  /** The caller's own qualification round: counts only, never which answers were right. */
  '/api/me/qualification': { GET: ANY_SIGNED_IN },
  /** Recommender and /listen: listeners are anonymous (sessions by opaque id); gold clips are served like any other (a difference would be a gold oracle). */
  '/api/recommend/similar': { GET: 'public' },
  '/api/recommend/mood': { GET: 'public' },
  /** A rating project's clips nearest a (valence, arousal) point: its contributors and up (`requireProject` … 'contribute'). */
  '/api/recommend/mood/point': { GET: ANY_SIGNED_IN },
  '/api/listen/sessions': { POST: 'public' },
  '/api/listen/sessions/[id]/events': { POST: 'public' },
  '/api/listen/sessions/[id]/next': { GET: 'public' },
  '/api/listen/clips/[id]/audio': { GET: 'public' },
  '/api/listen/kpis': { GET: ENGINEERS },
  /**
   * Projects (issue 18). Signed-in at the installation level; `requireProject` (lib/projects/access.ts)
   * then answers 404 for a project not the caller's and 403 for a role in it without the need.
   * Creating one is for installation admins.
   */
  '/api/projects': { GET: ANY_SIGNED_IN, POST: ADMINS },
  '/api/projects/[slug]': { GET: ANY_SIGNED_IN },
  '/api/projects/[slug]/members': { GET: ANY_SIGNED_IN, POST: ANY_SIGNED_IN },
  '/api/projects/[slug]/members/[userId]': { DELETE: ANY_SIGNED_IN },
  /** Aggregates of a valence–arousal or pairwise project: results need review, export and recompute need export (`requireProject`). */
  '/api/projects/[slug]/results': { GET: ANY_SIGNED_IN },
  '/api/projects/[slug]/export': { GET: ANY_SIGNED_IN },
  '/api/projects/[slug]/aggregate': { POST: ANY_SIGNED_IN },
  /** The project's queue (valence–arousal, pairwise): `requireProject(…, 'contribute')`; only the caller's own leases. */
  '/api/projects/[slug]/next': { GET: ANY_SIGNED_IN },
  '/api/projects/[slug]/answers': { POST: ANY_SIGNED_IN },
  '/api/projects/[slug]/leases/[id]/release': { POST: ANY_SIGNED_IN },
} as const satisfies Record<string, Partial<Record<'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', Access>>>;

export type RoutePath = keyof typeof ROUTE_ACCESS;

/** The route's roles, plus its template (the metrics label and log field of lib/http/route.ts). */
export function access<P extends RoutePath>(path: P, method: keyof (typeof ROUTE_ACCESS)[P]): { roles: Access; route: string } {
  return { roles: ROUTE_ACCESS[path][method] as Access, route: path };
}
