import { createHash } from 'node:crypto';
import type { Db } from '@/db/client';
import { sniffAudioFormat } from '@/lib/audio/sniff';
import { AppError } from '@/lib/errors';
import { getProjectSettings } from '@/lib/settings/repo';
import { audioKey, type AudioStore } from '@/lib/storage';
import { findClipBySha, insertClip } from './repo';
import type { ClipMetadata, IngestResult } from './schemas';

const EXTENSIONS: Record<string, string> = {
  wav: 'wav',
  mp3: 'mp3',
  flac: 'flac',
  'ogg-vorbis': 'ogg',
  'ogg-opus': 'opus',
  'ogg-flac': 'oga',
};
const MIME: Record<string, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  'ogg-vorbis': 'audio/ogg',
  'ogg-opus': 'audio/ogg',
  'ogg-flac': 'audio/ogg',
};

export interface IngestInput {
  bytes: Uint8Array;
  /** The uploaded or imported name, for messages only: storage keys come from the content hash. */
  name: string;
  metadata: ClipMetadata;
  source: string;
}

/**
 * Stores one audio file as a clip. The format is sniffed from the bytes (not the extension),
 * the clip is content-addressed by sha256 so a re-import is recognised, and size limits are
 * enforced before anything is written. Decoding problems are found by the extraction job,
 * which marks the clip failed with the reason.
 */
export async function ingestAudio(db: Db, store: AudioStore, input: IngestInput, limits: { maxBytes: number }): Promise<IngestResult & { isNew: boolean }> {
  // Checked before anything is written: PostgreSQL refuses these, and a refusal after the file
  // is stored would leave an orphan file and surface as a 500 instead of a clear per-file error.
  const unstorable = unstorableText({ name: input.name, ...input.metadata });
  if (unstorable) throw new AppError('UNPROCESSABLE', `${input.name.replace(/\0/g, '\\0')}: ${unstorable}`);
  if (input.bytes.byteLength === 0) throw new AppError('UNPROCESSABLE', `${input.name}: the file is empty`);
  if (input.bytes.byteLength > limits.maxBytes) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `${input.name}: ${(input.bytes.byteLength / 1e6).toFixed(1)} MB is over the ${(limits.maxBytes / 1e6).toFixed(0)} MB limit`,
    );
  }
  const sniffed = sniffAudioFormat(input.bytes);
  if (!sniffed) throw new AppError('UNPROCESSABLE', `${input.name}: not an audio file Chorus can read (wav, mp3, flac, ogg)`);
  if (!sniffed.supported) throw new AppError('UNPROCESSABLE', `${input.name}: ${sniffed.description}`);
  const sha256 = createHash('sha256').update(input.bytes).digest('hex');
  const existing = await findClipBySha(db, sha256);
  if (existing) return { clipId: existing.id, name: input.name, status: 'duplicate', isNew: false };
  const key = audioKey(sha256, EXTENSIONS[sniffed.format] ?? 'bin');
  await store.put(key, input.bytes);
  const settings = await getProjectSettings(db);
  let clipId: string;
  try {
    const clip = await insertClip(db, {
      sha256,
      title: input.metadata.title,
      artist: input.metadata.artist,
      licence: input.metadata.licence,
      provenance: { ...input.metadata.provenance, original_name: input.name },
      source: input.source,
      sizeBytes: input.bytes.byteLength,
      mime: MIME[sniffed.format] ?? 'application/octet-stream',
      audioKey: key,
      status: 'pending',
      overlapTarget: settings.overlap,
    });
    clipId = clip.id;
  } catch (err) {
    // Two uploads of the same new file at once: the loser finds the winner's clip.
    const winner = await findClipBySha(db, sha256);
    if (!winner) throw err;
    return { clipId: winner.id, name: input.name, status: 'duplicate', isNew: false };
  }
  return { clipId, name: input.name, status: 'created', isNew: true };
}

/** "My Song (final).mp3" → "My Song (final)": a title when the catalog gives none. */
export function titleFromName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(/\.[a-z0-9]{1,5}$/i, '').trim().slice(0, 300) || 'Untitled';
}

/** Deepest provenance nesting accepted (PostgreSQL's jsonb refuses very deep documents with a stack error). */
export const MAX_METADATA_DEPTH = 32;

/**
 * Why `value` cannot be stored as clip metadata, or null when it can: PostgreSQL text and
 * jsonb refuse the NUL character, and jsonb refuses very deep nesting. Iterative, so a hostile
 * document cannot exhaust the stack here either. O(size of the value).
 */
export function unstorableText(value: unknown): string | null {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\0')) return `${path || 'a field'} contains a NUL character, which cannot be stored`;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_METADATA_DEPTH) return `${path || 'the metadata'} is nested more than ${MAX_METADATA_DEPTH} levels deep`;
    for (const [k, child] of Object.entries(v)) {
      const childPath = path ? `${path}.${k.replace(/\0/g, '\\0')}` : k;
      if (k.includes('\0')) return `${childPath} (a key) contains a NUL character, which cannot be stored`;
      stack.push({ v: child, path: childPath, depth: depth + 1 });
    }
  }
  return null;
}
