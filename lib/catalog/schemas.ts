import { z } from 'zod';

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
    .refine((p) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(p) || p.startsWith('file://'), 'only local paths or file:// URIs are accepted'),
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
