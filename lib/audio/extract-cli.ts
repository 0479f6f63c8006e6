/**
 * `chorus extract <file>…` — the DESIGN.md contract: one JSON object per
 * file on stdout (JSON Lines), in argument order; a file that cannot be
 * analysed yields `{file, error, reason}` and the exit code is 1 at the end.
 * Usage errors exit 2.
 */
import { analyzeAudioFile, type FileAnalysis } from './analyze-file';
import { isAudioDecodeError } from './errors';
import { PITCH_CLASSES } from './frame-features';
import type { ExtractErrorRecord, ExtractRecord } from './schemas';

export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

const USAGE = `usage: chorus extract [--excerpt-seconds N] [--max-duration SECONDS] <file>...

Decode each audio file (WAV, MP3, FLAC, Ogg Vorbis/Opus; the format is read
from the bytes, not the extension), extract the Chorus feature set and print
one JSON object per file on stdout:
  file, duration_s, sample_rate, channels, format, tempo_bpm, tempo_confidence,
  key, mode, key_confidence, loudness_lufs, excerpt_start_s, excerpt_duration_s,
  features (named summary statistics), vector (numbers, FEATURE_NAMES order),
  extractor_version, tempo_alternative {bpm, relative_salience} (the other
  plausible metrical level), key_alternative {key, mode, relation, correlation}
A file that cannot be analysed prints {"file", "error", "reason"}; the exit
status is then 1 (after all files are processed).
`;

/** Seven significant digits: ample for features, half the bytes of full doubles. */
const round = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(7)) : 0);

/** The DESIGN.md `chorus extract` record for one analysed file (numbers to 7 significant digits). */
export function toExtractRecord(file: string, a: FileAnalysis): ExtractRecord {
  const features: Record<string, number> = {};
  for (const [k, v] of Object.entries(a.features)) features[k] = round(v);
  return {
    file,
    duration_s: round(a.durationS),
    sample_rate: a.sampleRate,
    channels: a.channels,
    format: a.format,
    tempo_bpm: Math.round(a.tempo.bpm * 100) / 100,
    tempo_confidence: round(a.tempo.confidence),
    key: a.key.key,
    mode: a.key.mode,
    key_confidence: round(a.key.confidence),
    loudness_lufs: Math.round(a.loudness.integratedLufs * 100) / 100,
    excerpt_start_s: round(a.excerpt.startS),
    excerpt_duration_s: round(a.excerpt.durationS),
    features,
    vector: a.vector.map(round),
    extractor_version: a.extractorVersion,
    ...alternatives(a),
  };
}

/** The runner-up metrical level and key (see extractRecordSchema). */
function alternatives(a: FileAnalysis): Pick<ExtractRecord, 'tempo_alternative' | 'key_alternative'> {
  const out: Pick<ExtractRecord, 'tempo_alternative' | 'key_alternative'> = {};
  const bpm = a.tempo.bpm;
  const chosen = a.tempo.candidates.find((c) => Math.abs(c.bpm / bpm - 1) < 0.04);
  const alt = a.tempo.candidates
    .filter((c) => [2, 0.5, 3, 1 / 3].some((f) => Math.abs(c.bpm / (bpm * f) - 1) < 0.04))
    .sort((x, y) => y.salience - x.salience)[0];
  if (bpm > 0 && alt && alt.salience > 0) {
    const ref = chosen?.salience ?? a.tempo.confidence;
    out.tempo_alternative = { bpm: Math.round(alt.bpm * 100) / 100, relative_salience: round(ref > 0 ? alt.salience / ref : 0) };
  }
  const scores = a.key.scores;
  if (scores.length === 24) {
    const winner = (a.key.mode === 'major' ? 0 : 12) + a.key.tonic;
    let second = -1;
    for (let i = 0; i < 24; i++) if (i !== winner && (second < 0 || scores[i] > scores[second])) second = i;
    const tonic = second % 12;
    const mode = second < 12 ? 'major' : 'minor';
    const d = (((tonic - a.key.tonic) % 12) + 12) % 12;
    const relation =
      mode === a.key.mode
        ? d === 7 || d === 5
          ? 'fifth'
          : 'other'
        : (a.key.mode === 'major' && d === 9) || (a.key.mode === 'minor' && d === 3)
          ? 'relative'
          : d === 0
            ? 'parallel'
            : 'other';
    out.key_alternative = { key: PITCH_CLASSES[tonic], mode, relation, correlation: round(scores[second]) };
  }
  return out;
}

/**
 * Run the extract command. `argv` is the arguments after `extract`.
 * Returns the process exit status (0 all good, 1 some file failed, 2 usage).
 */
export async function runExtractCli(argv: string[], io: CliIo): Promise<number> {
  const files: string[] = [];
  let excerptSeconds: number | undefined;
  let maxDurationS: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      io.stdout.write(USAGE);
      return 0;
    }
    if (arg === '--excerpt-seconds' || arg === '--max-duration') {
      const v = Number(argv[++i]);
      if (!(v > 0)) {
        io.stderr.write(`chorus extract: ${arg} needs a positive number\n${USAGE}`);
        return 2;
      }
      if (arg === '--excerpt-seconds') excerptSeconds = v;
      else maxDurationS = v;
      continue;
    }
    if (arg === '--') {
      files.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      io.stderr.write(`chorus extract: unknown option ${arg}\n${USAGE}`);
      return 2;
    }
    files.push(arg);
  }
  if (!files.length) {
    io.stderr.write(`chorus extract: no input files\n${USAGE}`);
    return 2;
  }
  let failures = 0;
  for (const file of files) {
    try {
      const analysis = await analyzeAudioFile(file, { excerptSeconds, maxDurationS });
      io.stdout.write(JSON.stringify(toExtractRecord(file, analysis)) + '\n');
    } catch (e) {
      failures++;
      const record: ExtractErrorRecord = isAudioDecodeError(e)
        ? { file, error: e.message, reason: e.reason }
        : { file, error: `Unexpected failure: ${(e as Error)?.message ?? String(e)}`, reason: 'internal' };
      io.stdout.write(JSON.stringify(record) + '\n');
      io.stderr.write(`chorus extract: ${file}: ${record.error}\n`);
    }
  }
  return failures ? 1 : 0;
}
