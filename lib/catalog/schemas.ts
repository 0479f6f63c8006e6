import { z } from 'zod';
import type { LabelState } from '@/db/schema';

/** Metadata that travels with a clip into every export. */
export const ClipMetadataSchema = z.object({
  title: z.string().trim().min(1).max(300),
  artist: z.string().trim().max(300).default(''),
  licence: z.string().trim().min(1).max(100).default('unknown'),
  provenance: z.record(z.string(), z.unknown()).default({}),
});
export type ClipMetadata = z.infer<typeof ClipMetadataSchema>;

/** One row of a catalog CSV/JSONL: a local file (relative to the catalog, or file://) plus metadata. */
export const CatalogRowSchema = z.object({
  path: z
    .string()
    .trim()
    .min(1)
    .max(1000)
    .refine(
      (p) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || p.startsWith('file://'),
      'only local paths or file:// URIs are accepted',
    ),
  title: z.string().trim().max(300).optional(),
  artist: z.string().trim().max(300).optional(),
  licence: z.string().trim().max(100).optional(),
  provenance: z
    .union([z.record(z.string(), z.unknown()), z.string().max(4000)])
    .optional()
    .transform((p) => (typeof p === 'string' ? (p ? { note: p } : {}) : (p ?? {}))),
});
export type CatalogRow = z.infer<typeof CatalogRowSchema>;

export const IngestResultSchema = z.object({
  clipId: z.string().uuid().nullable(),
  name: z.string(),
  status: z.enum(['created', 'duplicate', 'rejected']),
  error: z.string().optional(),
});
export type IngestResult = z.infer<typeof IngestResultSchema>;

/** What a player needs to play a clip: metadata, the excerpt to start at and the loudness gain. */
export const PlayableClipSchema = z.object({
  id: z.string().uuid(),
  title: z.string(),
  artist: z.string(),
  durationS: z.number().nullable(),
  excerptStartS: z.number(),
  playbackGainDb: z.number(),
  audioUrl: z.string(),
});
export type PlayableClip = z.infer<typeof PlayableClipSchema>;

/** The playable view of a clip row (labelers and experts hear it through the signed-in audio route). */
export function playableClip(clip: Omit<PlayableClip, 'audioUrl'>): PlayableClip {
  return {
    id: clip.id,
    title: clip.title,
    artist: clip.artist,
    durationS: clip.durationS,
    excerptStartS: clip.excerptStartS,
    playbackGainDb: clip.playbackGainDb,
    audioUrl: `/api/clips/${clip.id}/audio`,
  };
}

/**
 * `clips.label_state`'s values, spelled here because client components import this module and
 * must not bundle the table definitions; the `satisfies` check fails if the two ever differ.
 */
export const CLIP_LABEL_STATES = ['open', 'consensus', 'disputed', 'expert_resolved'] as const satisfies readonly LabelState[];
type MissingState = Exclude<LabelState, (typeof CLIP_LABEL_STATES)[number]>;
const everyStateListed: MissingState extends never ? true : false = true;
void everyStateListed;
/** A label state in words, for tables and filters. */
export const CLIP_LABEL_STATE_WORDS: Record<(typeof CLIP_LABEL_STATES)[number], string> = {
  open: 'open (collecting answers)',
  consensus: 'consensus',
  disputed: 'disputed (for experts)',
  expert_resolved: 'settled by an expert',
};
/** Columns the engineer's labels table sorts by. */
export const CLIP_LABEL_SORTS = ['votes', 'title', 'artist', 'state'] as const;
export const CLIP_LABELS_PER_PAGE = 50;

const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);

/**
 * The labels table's view (`/datasets?q=…&state=…&tag=…&sort=…&dir=…&page=…`): text in title or
 * artist, one label state, clips labelled with one mood, a sort column and direction, a page.
 */
export const ClipLabelQuerySchema = z.object({
  q: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
  state: z.preprocess(blankToUndefined, z.enum(CLIP_LABEL_STATES).optional()),
  tag: z.preprocess(blankToUndefined, z.string().trim().max(100).optional()),
  sort: z.preprocess(blankToUndefined, z.enum(CLIP_LABEL_SORTS).default('votes')),
  dir: z.preprocess(blankToUndefined, z.enum(['asc', 'desc']).optional()),
  page: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(100_000).default(1)),
});
export type ClipLabelQuery = z.infer<typeof ClipLabelQuerySchema>;

/** The natural direction of a sort column: most votes first, names A→Z. */
export const defaultDir = (sort: ClipLabelQuery['sort']): 'asc' | 'desc' => (sort === 'votes' ? 'desc' : 'asc');

/** `?…` for a labels-table view, leaving defaults out so links stay short. */
export function clipLabelQueryString(q: Partial<ClipLabelQuery>): string {
  const params = new URLSearchParams();
  if (q.q) params.set('q', q.q);
  if (q.state) params.set('state', q.state);
  if (q.tag) params.set('tag', q.tag);
  if (q.sort && q.sort !== 'votes') params.set('sort', q.sort);
  if (q.dir && q.dir !== defaultDir(q.sort ?? 'votes')) params.set('dir', q.dir);
  if (q.page && q.page > 1) params.set('page', String(q.page));
  const s = params.toString();
  return s ? `?${s}` : '';
}
