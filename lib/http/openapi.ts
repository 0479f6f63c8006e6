import { z, type ZodType } from 'zod';
import { CreateTokenSchema, CreateUserSchema, UpdateUserSchema } from '@/lib/auth/schemas';
import { QueueItemSchema, VoteInputSchema, VoteResultSchema } from '@/lib/queue/schemas';
import { ProjectSettingsPatchSchema, ProjectSettingsSchema } from '@/lib/settings/schemas';
import {
  CreatedTaxonomyVersionSchema,
  CreateTaxonomyVersionSchema,
  TaxonomyAdminViewSchema,
  TaxonomyMappingViewSchema,
  TaxonomySchema,
} from '@/lib/taxonomy/schemas';
import { DecisionInputSchema, ReviewItemSchema } from '@/lib/review/schemas';
import { ROUTE_ACCESS } from './access';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
interface Doc {
  summary: string;
  body?: ZodType;
  response?: ZodType;
}

/** Request and response shapes per route, from the same zod schemas the handlers use. */
const DOCS: Record<string, Partial<Record<Method, Doc>>> = {
  '/api/health': { GET: { summary: 'Database mode, migration version and job engine state' } },
  '/api/openapi': { GET: { summary: 'This document' } },
  '/api/me': { GET: { summary: 'The signed-in user' } },
  '/api/taxonomy': { GET: { summary: 'The active mood taxonomy', response: TaxonomySchema } },
  '/api/queue/next': { GET: { summary: 'Lease the next clip to label (query: exclude=id,id)', response: QueueItemSchema } },
  '/api/votes': { POST: { summary: 'Vote, skip, flag or answer a yes/no question on a leased clip', body: VoteInputSchema, response: VoteResultSchema } },
  '/api/leases/{id}/release': { POST: { summary: 'Give a leased clip back to the queue' } },
  '/api/clips/{id}/audio': { GET: { summary: 'The clip audio (supports Range)' } },
  '/api/clips': { GET: { summary: 'Clips with vote counts and current labels' }, POST: { summary: 'Upload audio (multipart: file…, title, artist, licence, provenance)' } },
  '/api/clips/{id}/escalate': { POST: { summary: 'Send a clip to the expert review queue' } },
  '/api/export/jsonl': { GET: { summary: 'Current labels as JSON Lines (streamed)' } },
  '/api/jobs': { GET: { summary: 'Recent background jobs with progress' } },
  '/api/tokens': { GET: { summary: 'Your API tokens' }, POST: { summary: 'Create an API token (shown once)', body: CreateTokenSchema } },
  '/api/tokens/{id}': { DELETE: { summary: 'Revoke an API token' } },
  '/api/admin/users': { GET: { summary: 'Users' }, POST: { summary: 'Create a user', body: CreateUserSchema } },
  '/api/admin/users/{id}': { PATCH: { summary: 'Change a user role or status', body: UpdateUserSchema } },
  '/api/review/next': { GET: { summary: 'Lease the next disputed or uncertain clip, with votes, model scores and neighbours', response: ReviewItemSchema } },
  '/api/review/decisions': { POST: { summary: 'Settle a clip (final for aggregation, audited)', body: DecisionInputSchema } },
  '/api/review/agreement': { GET: { summary: 'Expert–expert agreement on second opinions' } },
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
  '/api/admin/settings': {
    GET: { summary: 'Project settings', response: ProjectSettingsSchema },
    PATCH: { summary: 'Change project settings', body: ProjectSettingsPatchSchema, response: ProjectSettingsSchema },
  },
};

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

function jsonSchema(schema: ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [rawPath, methods] of Object.entries(ROUTE_ACCESS)) {
    const path = rawPath.replace(/\[(\w+)\]/g, '{$1}');
    paths[path] = {};
    for (const [method, roles] of Object.entries(methods)) {
      const doc = DOCS[path]?.[method as Method] ?? { summary: '' };
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      paths[path][method.toLowerCase()] = {
        summary: doc.summary,
        description: roles === 'public' ? 'Public' : `Roles: ${(roles as readonly string[]).length ? (roles as readonly string[]).join(', ') : 'any signed-in user'}`,
        parameters: params,
        security: roles === 'public' ? [] : [{ bearer: [] }, { session: [] }],
        ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(doc.body) } } } } : {}),
        responses: {
          '200': { description: 'OK', ...(doc.response ? { content: { 'application/json': { schema: jsonSchema(doc.response) } } } : {}) },
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
