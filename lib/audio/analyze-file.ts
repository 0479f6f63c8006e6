/**
 * Decode + extract in one streaming pass: each decoded block goes straight
 * into the feature accumulator, so a 60-minute file never sits in memory.
 * This is the entry point for the extract job and the CLI.
 */
import { bytesSource, decodeAudioSource, fileSource, type ByteSource, type DecodeOptions } from './decode';
import { createFeatureAccumulator, type AudioFeatures, type FeatureAccumulator } from './extract';
import type { AudioFormat } from './sniff';

export interface AnalyzeOptions extends DecodeOptions {
  /** Length of the representative excerpt, seconds. Default 30. */
  excerptSeconds?: number;
}

export interface FileAnalysis extends AudioFeatures {
  /** Container/codec sniffed from the bytes. */
  format: AudioFormat;
}

/**
 * Decode `source` block by block and extract features as it goes.
 * Throws AudioDecodeError (decode failures, `too_short`, `silent`).
 * Memory: one decoded block + the accumulator's per-frame summaries.
 */
export async function analyzeAudioSource(source: ByteSource, options: AnalyzeOptions = {}): Promise<FileAnalysis> {
  let acc: FeatureAccumulator | null = null;
  const summary = await decodeAudioSource(
    source,
    (block) => {
      acc ??= createFeatureAccumulator({ sampleRate: block.sampleRate, excerptSeconds: options.excerptSeconds });
      acc.push(block.channels);
    },
    options,
  );
  // decodeAudioSource guarantees at least one block, hence an accumulator.
  const features = (acc as FeatureAccumulator | null)!.finish();
  return { ...features, format: summary.format, channels: summary.channels };
}

/** {@link analyzeAudioSource} on a file path. */
export async function analyzeAudioFile(path: string, options: AnalyzeOptions = {}): Promise<FileAnalysis> {
  const src = await fileSource(path);
  try {
    return await analyzeAudioSource(src, options);
  } finally {
    await src.close();
  }
}

/** {@link analyzeAudioSource} on bytes already in memory (e.g. an upload). */
export function analyzeAudioBytes(bytes: Uint8Array, options: AnalyzeOptions = {}): Promise<FileAnalysis> {
  return analyzeAudioSource(bytesSource(bytes), options);
}
