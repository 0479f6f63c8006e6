/**
 * Pins the extractor's output on fixed clips, so a speed-up that changes a
 * number beyond float rounding fails here instead of silently shifting
 * stored vectors (a real change bumps EXTRACTOR_VERSION and regenerates the
 * fixture: CHORUS_UPDATE_GOLDEN=1 npx vitest run --project unit tests/unit/audio/golden.test.ts).
 *
 * Clips: a 20 s demo-pop render at 44.1 kHz stereo through the WAV decoder
 * (integer 2:1 resampler path, stereo mix) and a 12 s demo clip at 48 kHz
 * mono in memory (the general polyphase path, 160/147).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeAudioBytes } from '@/lib/audio/analyze-file';
import { EXTRACTOR_VERSION, extractFeatures, FEATURE_NAMES, type AudioFeatures } from '@/lib/audio/extract';
import { demoCatalog, renderClip } from '@/lib/audio/synth';
import { encodeWav } from '@/lib/audio/wav';

const FIXTURE = join(__dirname, 'fixtures', 'extract-golden.json');

interface Pinned {
  tempoBpm: number;
  key: string;
  mode: string;
  features: Record<string, number>;
}

function pin(a: AudioFeatures): Pinned {
  return { tempoBpm: a.tempo.bpm, key: a.key.key, mode: a.key.mode, features: a.features };
}

function demo(id: string, seconds: number, sampleRate: number): Float32Array {
  const spec = demoCatalog(10, 3).find((s) => s.recipe.id === id)!;
  return renderClip({ ...spec, recipe: { ...spec.recipe, durationS: seconds } }, sampleRate);
}

async function current(): Promise<Record<string, Pinned>> {
  const left = demo('happy-pop', 20, 44100);
  // A 7 ms delay mixed into the right channel, so the stereo mix is not dual mono.
  const right = left.map((v, i) => 0.9 * v + 0.1 * (i >= 309 ? left[i - 309] : 0));
  const wav = await analyzeAudioBytes(encodeWav([left, right], 44100));
  const mono48k = extractFeatures(demo('sad-ballad', 12, 48000), 48000);
  return { 'happy-pop 44.1 kHz stereo wav': pin(wav), 'sad-ballad 48 kHz mono': pin(mono48k) };
}

describe(`extractor output pinned (${EXTRACTOR_VERSION})`, async () => {
  const got = await current();
  if (process.env.CHORUS_UPDATE_GOLDEN === '1') {
    writeFileSync(FIXTURE, JSON.stringify({ extractorVersion: EXTRACTOR_VERSION, clips: got }, null, 1) + '\n');
  }
  const want = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { extractorVersion: string; clips: Record<string, Pinned> };

  it('was recorded with this extractor version', () => {
    expect(want.extractorVersion).toBe(EXTRACTOR_VERSION);
  });

  for (const name of Object.keys(want.clips)) {
    it(`${name}: tempo, key and every feature as recorded, within float rounding`, () => {
      const w = want.clips[name];
      const g = got[name];
      expect(g.tempoBpm).toBeCloseTo(w.tempoBpm, 9);
      expect(`${g.key} ${g.mode}`).toBe(`${w.key} ${w.mode}`);
      expect(Object.keys(g.features).sort()).toEqual([...FEATURE_NAMES].sort());
      // 1e-9 relative: float64 reassociation moves the 15th digit, a real change moves far more.
      const off = FEATURE_NAMES.filter((n) => !(Math.abs(g.features[n] - w.features[n]) <= 1e-9 * Math.max(1, Math.abs(w.features[n]))));
      expect(off.map((n) => `${n}: ${g.features[n]} vs ${w.features[n]}`)).toEqual([]);
    });
  }
});
