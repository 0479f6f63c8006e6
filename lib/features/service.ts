import { decodeAudioSource } from '@/lib/audio/decode';
import { AudioDecodeError, isAudioDecodeError } from '@/lib/audio/errors';
import { createFeatureAccumulator, EXTRACTOR_VERSION, FEATURE_NAMES, type AudioFeatures, type FeatureAccumulator } from '@/lib/audio/extract';
import type { ByteSource } from '@/lib/audio/decode';
import type { Db } from '@/db/client';
import { getClip } from '@/lib/catalog/repo';
import { logger } from '@/lib/observability/log';
import type { AudioStore } from '@/lib/storage';
import { hasFeatures, markExtractionFailed, refreshFeatureStats, saveExtraction } from './repo';

/** Playback is normalised towards this loudness (EBU R128's programme target). */
export const TARGET_LUFS = -23;

export interface Analysis {
  format: string;
  features: AudioFeatures;
}

/**
 * Decodes a source block by block into the feature accumulator: memory stays bounded by a
 * block and the per-frame summaries, however long the file.
 */
export async function analyzeSource(source: ByteSource, maxDurationS?: number): Promise<Analysis> {
  let accumulator: FeatureAccumulator | undefined;
  const summary = await decodeAudioSource(
    source,
    (block) => {
      accumulator ??= createFeatureAccumulator({ sampleRate: block.sampleRate });
      accumulator.push(block.channels);
    },
    { maxDurationS },
  );
  if (!accumulator) throw new AudioDecodeError('no_audio', 'The file holds no audio samples.');
  return { format: summary.format, features: accumulator.finish() };
}

export interface ExtractionOutcome {
  clipId: string;
  status: 'extracted' | 'skipped' | 'failed';
  error?: string;
}

/**
 * Extracts features for a batch of clips. Safe to run twice: a clip that already has features
 * of this extractor version is skipped, so a worker killed mid-batch repeats no finished clip.
 * A clip that cannot be decoded is marked failed with the reason; the batch goes on.
 */
export async function extractClips(
  db: Db,
  store: AudioStore,
  clipIds: string[],
  options: { maxDurationS?: number; onProgress?: (done: number, total: number, message: string) => Promise<void> } = {},
): Promise<ExtractionOutcome[]> {
  const outcomes: ExtractionOutcome[] = [];
  for (const [i, clipId] of clipIds.entries()) {
    outcomes.push(await extractOne(db, store, clipId, options.maxDurationS));
    await options.onProgress?.(i + 1, clipIds.length, `${i + 1}/${clipIds.length} clips`);
  }
  if (outcomes.some((o) => o.status === 'extracted')) await refreshFeatureStats(db, EXTRACTOR_VERSION, FEATURE_NAMES);
  return outcomes;
}

async function extractOne(db: Db, store: AudioStore, clipId: string, maxDurationS?: number): Promise<ExtractionOutcome> {
  if (await hasFeatures(db, clipId, EXTRACTOR_VERSION)) return { clipId, status: 'skipped' };
  const clip = await getClip(db, clipId);
  if (!clip.audioKey) {
    await markExtractionFailed(db, clipId, 'The raw audio was deleted before extraction');
    return { clipId, status: 'failed', error: 'audio deleted' };
  }
  let source: ByteSource | undefined;
  try {
    source = await store.openSource(clip.audioKey);
    const { features } = await analyzeSource(source, maxDurationS);
    await saveExtraction(
      db,
      {
        clipId,
        extractorVersion: features.extractorVersion,
        vector: features.vector,
        named: features.features,
        tempoBpm: features.tempo.bpm,
        tempoConfidence: features.tempo.confidence,
        key: features.key.key,
        mode: features.key.mode,
        keyConfidence: features.key.confidence,
        lufs: features.loudness.integratedLufs,
        beats: features.tempo.beatsS,
      },
      {
        durationS: features.durationS,
        sampleRate: features.sampleRate,
        channels: features.channels,
        excerptStartS: features.excerpt.startS,
        playbackGainDb: playbackGainDb(features.loudness.integratedLufs),
      },
    );
    return { clipId, status: 'extracted' };
  } catch (err) {
    if (!isAudioDecodeError(err)) logger().error({ err, clipId }, 'feature extraction crashed');
    const message = isAudioDecodeError(err) ? err.message : `Extraction failed: ${err instanceof Error ? err.message : String(err)}`;
    await markExtractionFailed(db, clipId, message);
    return { clipId, status: 'failed', error: message };
  } finally {
    await source?.close();
  }
}

/** Gain towards the target loudness; quiet clips are not boosted by more than 12 dB. */
export function playbackGainDb(integratedLufs: number): number {
  if (!Number.isFinite(integratedLufs) || integratedLufs <= -70) return 0;
  return Math.min(12, TARGET_LUFS - integratedLufs);
}
