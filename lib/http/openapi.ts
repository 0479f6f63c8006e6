import { z, type ZodType } from 'zod';
import { GuidelineInputSchema, GuidelinesResponseSchema, TagGuidelineViewSchema } from '@/lib/guidelines/schemas';
import { QualificationOverrideSchema, QualificationStatusSchema } from '@/lib/qualification/schemas';
import { PredictionsImportInputSchema, PredictionsImportResultSchema } from '@/lib/predictions/schemas';
import { WebhookCreatedSchema, WebhookCreateSchema, WebhookPatchSchema, WebhookViewSchema } from '@/lib/webhooks/schemas';
import { CreateTokenSchema, CreateUserSchema, UpdateUserSchema } from '@/lib/auth/schemas';
import { NextClipQuerySchema, QueueItemSchema, UndoInputSchema, UndoResultSchema, VoteInputSchema, VoteResultSchema } from '@/lib/queue/schemas';
import { ProjectSettingsPatchSchema, ProjectSettingsSchema } from '@/lib/settings/schemas';
import {
  CreatedTaxonomyVersionSchema,
  CreateTaxonomyVersionSchema,
  TaxonomyAdminViewSchema,
  TaxonomyMappingViewSchema,
  TaxonomySchema,
} from '@/lib/taxonomy/schemas';
import { DecisionInputSchema, ReviewItemSchema } from '@/lib/review/schemas';
import { RetrainRequestSchema, StrategySettingsPatchSchema, StrategySettingsSchema } from '@/lib/model/schemas';
import {
  AggregateRequestSchema,
  AggregateResponseSchema,
  AgreementResponseSchema,
  ClipStatesResponseSchema,
  ContributorQualitySchema,
  ReliabilityResponseSchema,
} from '@/lib/crowd/schemas';
import { CreateSnapshotResultSchema, CreateSnapshotSchema, SnapshotCountRequestSchema, SnapshotCountSchema } from '@/lib/export/schemas';
import { AppealSchema, PauseViewSchema, UnpauseSchema } from '@/lib/pause/schemas';
import { AuditPageSchema, AuditQuerySchema } from '@/lib/audit/schemas';
import {
  GoldAnswerInputSchema,
  GoldListQuerySchema,
  GoldListResponseSchema,
  GoldMarkResultSchema,
  GoldPromoteInputSchema,
  GoldPromoteResultSchema,
} from '@/lib/gold/schemas';
import {
  CreateSessionSchema,
  EventResultSchema,
  KpiQuerySchema,
  KpiResponseSchema,
  ListenEventSchema,
  MoodQuerySchema,
  NextQuerySchema,
  RecommendResponseSchema,
  SessionCreatedSchema,
  SimilarQuerySchema,
  StartCanarySchema,
  PushEmbeddingsSchema,
} from '@/lib/recommend/schemas';
import { ExplorationSwitchSchema, StartExperimentSchema } from '@/lib/experiments/schemas';
import {
  AddMemberSchema,
  CreateProjectSchema,
  MemberViewSchema,
  ProjectAnswerInputSchema,
  ProjectAnswerResultSchema,
  ProjectTaskSchema,
  ProjectViewSchema,
} from '@/lib/projects/schemas';
import { ProjectExportQuerySchema } from '@/lib/projects/export';
import { MoodPointQuerySchema, MoodPointResponseSchema, ProjectResultsSchema } from '@/lib/projects/schemas';
import { ROUTE_ACCESS } from './access';
import { bodyRule } from './guard';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
interface Doc {
  summary: string;
  /** A zod object of the query string; each field becomes a query parameter. */
  query?: ZodType;
  body?: ZodType;
  response?: ZodType;
  /** Documented non-error statuses besides 200 (e.g. 204 for an empty queue). */
  statuses?: Record<string, string>;
}

/** Request and response shapes per route, from the same zod schemas the handlers use. */
const DOCS: Record<string, Partial<Record<Method, Doc>>> = {
  '/api/health': { GET: { summary: 'Database mode, migration version and job engine state' } },
  '/api/openapi': { GET: { summary: 'This document' } },
  '/api/me': { GET: { summary: 'The signed-in user' } },
  '/api/taxonomy': { GET: { summary: 'The active mood taxonomy', response: TaxonomySchema } },
  '/api/queue/next': { GET: { summary: 'Lease the next clip to label (query: exclude=id,id)', response: QueueItemSchema, statuses: { '204': 'Nothing left for you to label right now (no body)' } } },
  '/api/votes': { POST: { summary: 'Vote, skip, flag or answer a yes/no question on a leased clip (crowd leases only: 409 WRONG_QUEUE for a review lease; an idempotency key replays on its own lease and is 409 IDEMPOTENCY_KEY_REUSED on another)', body: VoteInputSchema, response: VoteResultSchema } },
  '/api/votes/undo': { POST: { summary: 'Undo your own last answer within 10 s (kind "none" = none of these moods is a vote too): the answer is removed (its clip re-aggregated when the aggregator had applied it) and the clip comes back under a fresh lease; replays return the first result; 404 for an answer not yours, 409 CONFLICT when a later answer exists, 409 UNDO_EXPIRED after the window', body: UndoInputSchema, response: UndoResultSchema } },
  '/api/leases/{id}/release': { POST: { summary: 'Give a leased clip back to the queue' } },
  '/api/leases/{id}/renew': { POST: { summary: 'Extend a lease whose clip is still on screen or queued (409 LEASE_EXPIRED once reaped)' } },
  '/api/clips/{id}/audio': { GET: { summary: 'The clip audio (supports Range)' } },
  '/api/clips': { GET: { summary: 'Clips with vote counts and current labels' }, POST: { summary: 'Upload audio (multipart: file…, title, artist, licence, provenance)' } },
  '/api/clips/{id}/escalate': { POST: { summary: 'Send a clip to the expert review queue' } },
  '/api/export/jsonl': { GET: { summary: 'Current labels as JSON Lines (streamed)' } },
  '/api/datasets': {
    GET: { summary: 'Dataset snapshots, newest first (query: name, limit), with build status and progress' },
    POST: { summary: 'Define a snapshot and queue its build (202; 409 while a build of the name runs)', body: CreateSnapshotSchema, response: CreateSnapshotResultSchema },
  },
  '/api/datasets/count': {
    POST: {
      summary: 'How many rows these filters select before building, the count after each filter, and which filter emptied a 0-row selection',
      body: SnapshotCountRequestSchema,
      response: SnapshotCountSchema,
    },
  },
  '/api/datasets/{id}': { GET: { summary: 'A snapshot: status, job progress, files and manifest' } },
  '/api/datasets/{id}/files/{path}': {
    GET: { summary: 'Download a file the manifest lists (e.g. data/train-00000-of-00001.parquet, README.md) or manifest.json' },
  },
  '/api/jobs': { GET: { summary: 'Recent background jobs with progress' } },
  '/api/tokens': { GET: { summary: 'Your API tokens' }, POST: { summary: 'Create an API token (shown once)', body: CreateTokenSchema } },
  '/api/tokens/{id}': { DELETE: { summary: 'Revoke an API token' } },
  '/api/admin/users': { GET: { summary: 'Users' }, POST: { summary: 'Create a user', body: CreateUserSchema } },
  '/api/admin/users/{id}': { PATCH: { summary: 'Change a user role or status', body: UpdateUserSchema } },
  '/api/models': {
    GET: { summary: 'Model registry: versions with metrics (held-out micro/macro F1, per-tag AP, ECE, Hamming loss, reliability bins, tag confusion) and status, learning curves, embedding versions, rollback target, strategy' },
  },
  '/api/models/retrain': { POST: { summary: 'Queue a retrain → register → promote-if-better → rescore → push embeddings job (202, job id; 409 while one trains)', body: RetrainRequestSchema } },
  '/api/models/rollback': { POST: { summary: 'Re-activate the model the active one replaced (audited) and queue a rescore' } },
  '/api/models/canary': {
    GET: { summary: 'The running embedding canary (arms: sessions, like and skip rates; difference with its always-valid interval, p-value, decision so far) and recent ones' },
    POST: { summary: 'Start a canary of a ready embedding version (share, margin, minSessions; audited; 409 while one runs)', body: StartCanarySchema },
  },
  '/api/models/canary/{id}/stop': { POST: { summary: 'Stop the running canary without a decision (audited); its sessions fall back to the active version' } },
  '/api/models/exploration': {
    GET: { summary: "The exploration bandit: whether it is on, and per ranking arm its likes, skips and dislikes, Beta posterior (mean ± sd) and P(best)" },
    PATCH: { summary: 'Turn exploration on or off (audited settings.exploration); sessions in a running experiment or canary are never explored', body: ExplorationSwitchSchema },
  },
  '/api/experiments': {
    GET: { summary: 'The running A/B experiment (per arm: sessions, like and skip rates, tracks per session; difference with its always-valid interval, p-value, verdict; the planned sessions per arm), recent ones, the baseline like rate and the embedding versions a test can use' },
    POST: { summary: 'Start an A/B experiment between two embedding versions or two ranking settings (share, baseline, minDetectable → planned sessions per arm; audited; 409 while an experiment or a canary runs)', body: StartExperimentSchema },
  },
  '/api/experiments/{id}': { GET: { summary: "One experiment's result: KPIs per arm, the like-rate difference with its always-valid interval, the verdict" } },
  '/api/experiments/{id}/stop': { POST: { summary: 'Stop the running experiment (audited with its numbers); its sessions go back to the default' } },
  '/api/models/strategy': {
    GET: { summary: 'Query strategy, priority weights, retraining and targeted-question settings', response: StrategySettingsSchema },
    PATCH: { summary: 'Change them (audited)', body: StrategySettingsPatchSchema, response: StrategySettingsSchema },
  },
  '/api/models/{id}/promote': { POST: { summary: 'Activate a ready or retired model by explicit decision (ONNX sha256 and interface verified; audited), then rescore' } },
  '/api/models/{id}/onnx': { GET: { summary: 'Download the model ONNX file (header x-chorus-sha256)' } },
  '/api/models/embeddings/copy-active': { POST: { summary: "A 'ready' copy of the active embedding version for an A/A canary, before any model exists too (audited embedding.copy; 201)" } },
  '/api/models/{id}/embeddings': { POST: { summary: "Push the model's embeddings as a new embedding version: 'ready' for a canary (activate false, the default) or active at once (audited embedding.push; 201)", body: PushEmbeddingsSchema } },
  '/api/review/next': { GET: { summary: 'Lease the next disputed or uncertain clip, with votes, model scores and neighbours', response: ReviewItemSchema, statuses: { '204': 'No disputed or uncertain clip is waiting (no body)' } } },
  '/api/review/decisions': { POST: { summary: 'Settle a clip (final for aggregation, audited)', body: DecisionInputSchema } },
  '/api/review/agreement': { GET: { summary: 'Expert–expert agreement on second opinions' } },
  '/api/me/quality': {
    GET: { summary: 'Your accuracy on gold clips and streak (aggregate only; updated every 10 answers)', response: ContributorQualitySchema },
  },
  '/api/me/pause': {
    GET: { summary: 'Your pause in force, if any: which check paused you, with its numbers, and your appeal (open to paused accounts)', response: z.object({ status: z.string(), pause: PauseViewSchema.nullable() }) },
  },
  '/api/me/pause/appeal': { POST: { summary: 'Appeal your pause to the admins (409 when not paused)', body: AppealSchema, response: z.object({ pause: PauseViewSchema }) } },
  '/api/admin/pauses': { GET: { summary: 'Pauses in force, with reasons and appeals', response: z.object({ pauses: z.array(PauseViewSchema) }) } },
  '/api/admin/audit': { GET: { summary: 'Audit log rows, newest first, with the match count (query: actor = user id or "system", action, from, to as YYYY-MM-DD UTC days inclusive, page, limit)', query: AuditQuerySchema, response: AuditPageSchema } },
  '/api/admin/audit/csv': { GET: { summary: 'The audit rows matching the same filters as CSV (id, at, actor, action, entity, before/after as JSON)', query: AuditQuerySchema } },
  '/api/gold': {
    GET: { summary: 'Gold clips with their answers, how often each was served and answered right, and coverage (query: limit, offset)', query: GoldListQuerySchema, response: GoldListResponseSchema },
    POST: { summary: 'Mark a clip gold with its answer (tags required, tolerated may go either way), or replace it; 201 when written, 200 when unchanged; audited', body: GoldAnswerInputSchema, response: GoldMarkResultSchema, statuses: { '201': 'Written' } },
  },
  '/api/gold/{id}': { DELETE: { summary: 'Take a clip out of gold (404 when it is not gold); audited' } },
  '/api/gold/promote': { POST: { summary: 'Promote expert-resolved clips (the given ids, or every candidate) to gold with their decision as the answer; audited', body: GoldPromoteInputSchema, response: GoldPromoteResultSchema } },
  '/api/guidelines': { GET: { summary: 'Every mood of the active taxonomy with its guideline text and playable example clips (never a gold clip)', response: GuidelinesResponseSchema } },
  '/api/guidelines/{tag}': { PUT: { summary: "Write one mood's guideline: plain text (≤ 2000 characters) and up to 3 example clips (422 for a gold, unknown or audio-less clip; audited)", body: GuidelineInputSchema, response: TagGuidelineViewSchema } },
  '/api/guidelines/{tag}/candidates': { GET: { summary: 'Settled, non-gold clips with this mood, surest first: choices for examples' } },
  '/api/me/qualification': { GET: { summary: 'Your qualification round: exempt, off, qualified, in progress (answered of total), failed (retry time) or no clips left; counts only', response: QualificationStatusSchema } },
  '/api/admin/users/{id}/unpause': { POST: { summary: 'Set a paused account active again with a note (audited; 409 when not paused)', body: UnpauseSchema } },
  '/api/admin/users/{id}/qualification': { PUT: { summary: "Grant (qualified true; ends a failed round's pause) or revoke a contributor's qualification with a note (audited; 409 when nothing changes, 422 for a non-contributor)", body: QualificationOverrideSchema } },
  '/api/admin/webhooks': {
    GET: { summary: 'Registered webhooks with delivery counts (never their secrets)' },
    POST: { summary: 'Register a webhook (URL + events clip.settled, model.promoted, snapshot.created); 201 with its HMAC-SHA256 signing secret, shown once; audited', body: WebhookCreateSchema, response: WebhookCreatedSchema, statuses: { '201': 'Registered' } },
  },
  '/api/admin/webhooks/{id}': {
    PATCH: { summary: 'Change URL, events, description or switch a webhook on/off (audited)', body: WebhookPatchSchema, response: WebhookViewSchema },
    DELETE: { summary: 'Remove a webhook and its delivery log (audited)' },
  },
  '/api/admin/webhooks/{id}/deliveries': { GET: { summary: 'Delivery log of a webhook, newest first (query: status, limit, offset): status, attempts, last HTTP status or error' } },
  '/api/predictions/import': { POST: { summary: "Import an outside model's per-tag probabilities (format csv|jsonl, content, source): all rows or none, 422 listing bad rows by line; seeds cold-start queue priorities; audited", body: PredictionsImportInputSchema, response: PredictionsImportResultSchema } },
  '/api/predictions/export': { GET: { summary: "The active model's per-tag probabilities (or from=imported) as CSV clip,p_<tag>… or JSONL, clips by sha256; 404 without an active model" } },
  '/api/crowd/reliability': {
    GET: { summary: 'Annotator reliability ± uncertainty, votes, gold accuracy, weight, flags (query: limit, offset, sort=reliability|votes|weight, flagged)', response: ReliabilityResponseSchema },
  },
  '/api/crowd/agreement': {
    GET: { summary: "Krippendorff's alpha / Fleiss' kappa per tag, overall and per batch, one point per EM run (query: runs, scope)", response: AgreementResponseSchema },
  },
  '/api/crowd/states': { GET: { summary: 'Clips per label state, votes since the last EM run, the last run', response: ClipStatesResponseSchema } },
  '/api/crowd/aggregate': {
    POST: { summary: 'Queue a full EM run of the crowd aggregator (202 with the job id)', body: AggregateRequestSchema, response: AggregateResponseSchema },
  },
  '/api/admin/taxonomy': {
    GET: { summary: 'Taxonomy versions (tag, vote and decision counts) and the active tags', response: TaxonomyAdminViewSchema },
    POST: {
      summary: 'Edit the active taxonomy (add, rename, merge, split, remove) into a new active version with a mapping; 409 when baseVersion is no longer active',
      body: CreateTaxonomyVersionSchema,
      response: CreatedTaxonomyVersionSchema,
    },
  },
  '/api/admin/taxonomy/{version}/mapping': {
    GET: { summary: 'How the tags of a version map onto a newer one (query: to=N, default the active version), composed across versions', response: TaxonomyMappingViewSchema },
  },
  '/api/recommend/similar': {
    GET: { summary: 'The k nearest neighbours of a clip in the active embedding space, each with a why; header x-chorus-embedding-version', query: SimilarQuerySchema, response: RecommendResponseSchema },
  },
  '/api/recommend/mood': {
    GET: { summary: 'Tracks for a mood blend (blend=calm:0.7,dreamy:0.3) within tempo/energy ranges; MMR diversity and an artist cap', query: MoodQuerySchema, response: RecommendResponseSchema },
  },
  '/api/recommend/mood/point': {
    GET: { summary: "The k clips of a valence–arousal project nearest a (valence, arousal) point, each with its point, its source (crowd: aggregated ratings; model: the regression heads' prediction for a clip nobody rated) and a why (need review in the project — contributors get 403, as the answer carries the crowd's aggregates; 404 for a project that is not yours; 400 for a pairwise project or a point outside −1…1)", query: MoodPointQuerySchema, response: MoodPointResponseSchema },
  },
  '/api/listen/sessions': { POST: { summary: 'Start an anonymous listener session (201; opaque id, no personal data)', body: CreateSessionSchema, response: SessionCreatedSchema } },
  '/api/listen/sessions/{id}/events': {
    POST: { summary: 'Feedback on a track (play, skip, like, dislike); moves the session vector', body: ListenEventSchema, response: EventResultSchema },
  },
  '/api/listen/sessions/{id}/next': {
    GET: { summary: 'Next tracks: session similarity, mood match, co-occurrence in other sessions, novelty, MMR, artist cap; personalization=0 ignores all history', query: NextQuerySchema, response: RecommendResponseSchema },
  },
  '/api/listen/clips/{id}/audio': { GET: { summary: 'Audio of a recommendable track (supports Range)' } },
  '/api/listen/kpis': { GET: { summary: 'Listener KPIs per embedding version: skip and like rates, session length', query: KpiQuerySchema, response: KpiResponseSchema } },
  '/api/projects': {
    GET: { summary: 'Your projects (an installation admin: every one), each with your role in it, its items and answers', response: z.array(ProjectViewSchema) },
    POST: { summary: 'Create a valence–arousal or pairwise project over the clips its filter selects (201; 409 for a taken slug; 400 for an unknown clip id or a filter that selects no clip; audited)', body: CreateProjectSchema, response: ProjectViewSchema, statuses: { '201': 'Created' } },
  },
  '/api/projects/{slug}': { GET: { summary: 'One of your projects (404 when it is not yours)', response: ProjectViewSchema } },
  '/api/projects/{slug}/members': {
    GET: { summary: "The project's members and their roles (project admins)", response: z.array(MemberViewSchema) },
    POST: { summary: 'Add a user by email with a role in this project (201), or change a member\'s role (200); 404 for an unknown email; audited', body: AddMemberSchema, response: MemberViewSchema, statuses: { '201': 'Added' } },
  },
  '/api/projects/{slug}/members/{userId}': { DELETE: { summary: 'Take a member out of the project (their answers stay; 404 when not a member; audited)' } },
  '/api/projects/{slug}/results': {
    GET: { summary: "A valence–arousal or pairwise project's stored fit (need review): each clip's valence/arousal ± sd or score ± sd and rank, each contributor's bias/scale/noise or reliability eta, the fit time", response: ProjectResultsSchema },
  },
  '/api/projects/{slug}/export': {
    GET: { summary: "The project's scores per clip (or what=answers: every answer, contributors pseudonymised) as jsonl, csv or parquet, streamed (need export)", query: ProjectExportQuerySchema },
  },
  '/api/projects/{slug}/aggregate': {
    POST: { summary: 'Recompute the project\'s fit now (need export): 202 with the job id, or 200 with the result when no job engine runs in the process', statuses: { '202': 'Queued' } },
  },
  '/api/projects/{slug}/next': {
    GET: { summary: 'Lease the next question of a valence–arousal or pairwise project (a clip to rate, or a pair to compare shown in random order); a live lease you hold comes back unless excluded; at most 2 live at once (204 while you hold 2 and exclude both)', query: NextClipQuerySchema, response: ProjectTaskSchema, statuses: { '204': 'Nothing left for you in this project (no body)' } },
  },
  '/api/projects/{slug}/answers': {
    POST: { summary: "Answer your lease (valence+arousal, or choice a|b|same against the task's a/b; skip: true gives it back): 201 stored, 200 replayed or skipped; 400 wrong kind for the project, 404 not your lease, 409 LEASE_EXPIRED, DUPLICATE (clip or pair already answered), IDEMPOTENCY_KEY_REUSED (key used on another lease)", body: ProjectAnswerInputSchema, response: ProjectAnswerResultSchema, statuses: { '201': 'Stored' } },
  },
  '/api/projects/{slug}/leases/{id}/release': { POST: { summary: 'Give back your lease without answering (released: false when it was already answered, released or expired; 404 when not yours)' } },
  '/api/admin/settings': {
    GET: { summary: 'Project settings', response: ProjectSettingsSchema },
    PATCH: { summary: 'Change project settings', body: ProjectSettingsPatchSchema, response: ProjectSettingsSchema },
  },
};

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

function jsonSchema(schema: ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

function queryParameters(schema: ZodType): unknown[] {
  const json = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: property,
  }));
}

/** What every state-changing route may answer from the HTTP boundary (lib/http/guard.ts). */
const STATE_CHANGING_ERRORS = {
  '403': { description: 'With the session cookie: not same-origin (Origin / Sec-Fetch-Site), or not the route\'s Content-Type (application/json; multipart/form-data for uploads). Bearer tokens are exempt.' },
  '413': { description: 'The body is over the route\'s limit (x-max-body-bytes), declared or streamed: PAYLOAD_TOO_LARGE' },
};

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [rawPath, methods] of Object.entries(ROUTE_ACCESS)) {
    const path = rawPath.replace(/\[(?:\.\.\.)?(\w+)\]/g, '{$1}');
    paths[path] = {};
    for (const [method, roles] of Object.entries(methods)) {
      const doc = DOCS[path]?.[method as Method] ?? { summary: '' };
      const params: unknown[] = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      if (doc.query) params.push(...queryParameters(doc.query));
      paths[path][method.toLowerCase()] = {
        summary: doc.summary,
        description: roles === 'public' ? 'Public' : `Roles: ${(roles as readonly string[]).length ? (roles as readonly string[]).join(', ') : 'any signed-in user'}`,
        parameters: params,
        security: roles === 'public' ? [] : [{ bearer: [] }, { session: [] }],
        ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(doc.body) } } } } : {}),
        ...(method !== 'GET' ? { 'x-max-body-bytes': bodyRule(rawPath, method).maxBytes() } : {}),
        responses: {
          '200': { description: 'OK', ...(doc.response ? { content: { 'application/json': { schema: jsonSchema(doc.response) } } } : {}) },
          ...Object.fromEntries(Object.entries(doc.statuses ?? {}).map(([status, description]) => [status, { description }])),
          ...(method !== 'GET' ? STATE_CHANGING_ERRORS : {}),
          default: { description: 'Error', content: { 'application/json': { schema: jsonSchema(ErrorSchema) } } },
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Chorus API', version: '0.1.0', description: 'Errors are JSON: { "error": { "code", "message" } }.' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token from /datasets → API tokens' },
        session: { type: 'apiKey', in: 'cookie', name: 'next-auth.session-token' },
      },
    },
    paths,
  };
}
