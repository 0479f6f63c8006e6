import { z } from 'zod';
import { getDb } from '@/db';
import { LABEL_STATES } from '@/db/schema';
import { listClipLabels } from '@/lib/catalog/repo';
import { ClipMetadataSchema } from '@/lib/catalog/schemas';
import { ingestMany } from '@/lib/catalog/service';
import { titleFromName } from '@/lib/catalog/ingest';
import { env } from '@/lib/env';
import { access } from '@/lib/http/access';
import { AppError, badRequest } from '@/lib/errors';
import { parseQuery, route } from '@/lib/http/route';
import { audioStore } from '@/lib/storage';

const QuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  state: z.enum(LABEL_STATES).optional(),
  /** Comma-separated clip ids (up to 100): the upload panel follows its clips' extraction with it. */
  ids: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? undefined : v.split(',').filter(Boolean)))
    .pipe(z.array(z.string().uuid()).max(100).optional()),
});

export const GET = route(access('/api/clips', 'GET'), async ({ req }) => {
  const query = parseQuery(req, QuerySchema);
  return listClipLabels(await getDb(), query);
});

const UploadFieldsSchema = ClipMetadataSchema.partial().extend({ provenance: z.string().max(4000).optional() });

/**
 * Upload (multipart/form-data): one or more `file` fields, optional `title`, `artist`,
 * `licence`, `provenance`. Answers per file: created, duplicate (same sha256) or rejected with
 * the reason; new clips are queued for feature extraction.
 */
export const POST = route({ ...access('/api/clips', 'POST'), rateLimit: 'uploads' }, async ({ req }) => {
  const maxBytes = env().CHORUS_MAX_UPLOAD_MB * 1e6;
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > maxBytes * 1.05 + 1e5) {
    throw new AppError('PAYLOAD_TOO_LARGE', `The upload is over the ${env().CHORUS_MAX_UPLOAD_MB} MB limit`);
  }
  let form: FormData;
  try {
    form = await req.formData();
  } catch (err) {
    if (err instanceof AppError) throw err; // 413: the multipart body ran past its limit while streaming
    throw badRequest('Send the audio as multipart/form-data with one or more "file" fields');
  }
  const files = form.getAll('file').filter((f): f is File => typeof f !== 'string');
  if (files.length === 0) throw badRequest('No "file" field in the upload');
  const fields = UploadFieldsSchema.parse(
    Object.fromEntries(
      ['title', 'artist', 'licence', 'provenance'].flatMap((k) => (form.get(k) ? [[k, String(form.get(k))]] : [])),
    ),
  );
  const inputs = await Promise.all(
    files.map(async (file) => ({
      bytes: new Uint8Array(await file.arrayBuffer()),
      name: file.name.slice(0, 300),
      source: 'upload',
      metadata: {
        title: files.length === 1 && fields.title ? fields.title : titleFromName(file.name),
        artist: fields.artist ?? '',
        licence: fields.licence ?? 'unknown',
        provenance: fields.provenance ? { note: fields.provenance } : {},
      },
    })),
  );
  const results = await ingestMany(await getDb(), audioStore(), inputs, { maxBytes });
  const anyAccepted = results.some((r) => r.status !== 'rejected');
  return Response.json({ results }, { status: anyAccepted ? 201 : 422 });
});
