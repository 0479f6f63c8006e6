/**
 * Key and mode on synthesized cadences with harmonic-rich tones, all 24 keys,
 * and the relative-major/minor trap of bare profiles on plain triads.
 */
import { describe, expect, it } from 'vitest';
import { extractFeatures } from '@/lib/audio/extract';
import { FRAME_SIZE, FrameAnalyzer, HOP_SIZE } from '@/lib/audio/frame-features';
import { ALBRECHT_SHANAHAN, estimateKey, estimateKeyFromFrames, KRUMHANSL_KESSLER, TEMPERLEY, TEMPERLEY_KOSTKA_PAYNE, type KeyOptions } from '@/lib/audio/key';
import { cadence, midiToHz, NOTE_NAMES } from './helpers';

const SR = 22050;

describe('key and mode on I–IV–V–I / i–iv–V–i cadences in all 24 keys', () => {
  for (const mode of ['major', 'minor'] as const) {
    for (let tonic = 0; tonic < 12; tonic++) {
      it(`${NOTE_NAMES[tonic]} ${mode}`, () => {
        const f = extractFeatures(cadence(tonic, mode, SR, 1, 1), SR);
        expect(`${f.key.key} ${f.key.mode}`).toBe(`${NOTE_NAMES[tonic]} ${mode}`);
        expect(f.key.confidence).toBeGreaterThan(0.2);
        expect(f.features.key_is_major).toBe(mode === 'major' ? 1 : 0);
      });
    }
  }
});

/** Chroma frames of block chords made of tones with 10 partials at 1/h^decay. */
function chordChroma(tonic: number, chords: number[][], decay: number, bass: boolean): { frames: number[]; count: number } {
  const base = 60 + tonic - (tonic > 6 ? 12 : 0);
  const n = SR;
  const x = new Float32Array(n * chords.length);
  chords.forEach((chord, ci) => {
    const notes = bass ? [...chord, chord[0] - 12] : chord;
    for (const iv of notes) {
      for (let h = 1; h <= 10; h++) {
        const f = midiToHz(base + iv) * h;
        if (f >= SR / 2) break;
        const a = 0.1 / h ** decay;
        const w = (2 * Math.PI * f) / SR;
        for (let i = 0; i < n; i++) x[ci * n + i] += a * Math.sin(w * i);
      }
    }
  });
  const fa = new FrameAnalyzer();
  const frames: number[] = [];
  let count = 0;
  for (let p = 0; p + FRAME_SIZE <= x.length; p += HOP_SIZE, count++) frames.push(...fa.analyze(x.subarray(p, p + FRAME_SIZE)).chromaRaw);
  return { frames, count };
}

function score(chords: Record<'major' | 'minor', number[][]>, decay: number, bass: boolean, options: KeyOptions): number {
  let ok = 0;
  for (const mode of ['major', 'minor'] as const) {
    for (let tonic = 0; tonic < 12; tonic++) {
      const { frames, count } = chordChroma(tonic, chords[mode], decay, bass);
      const k = estimateKeyFromFrames(frames, count, options);
      if (k.tonic === tonic && k.mode === mode) ok++;
    }
  }
  return ok;
}

describe('plain triads with rich partials (the relative-key trap)', () => {
  const triads = { major: [[0, 4, 7]], minor: [[0, 3, 7]] };
  it('the default (Albrecht–Shanahan profiles on contrast frames) and partial-aware Temperley templates get all 24; bare Krumhansl–Kessler does not', () => {
    const ours = score(triads, 0.5, false, {});
    expect(score(triads, 0.5, false, { profiles: 'temperley', harmonics: 4, contrastTemplates: true })).toBe(24);
    const bareKK = score(triads, 0.5, false, { profiles: 'krumhansl', harmonics: 1 });
    expect(ours).toBe(24);
    // Bare profiles read the major third that every note's 5th partial adds.
    expect(bareKK).toBeLessThanOrEqual(12);
  });

  it('second-inversion triads over a bass, partials at 1/h', () => {
    expect(score({ major: [[-5, 0, 4]], minor: [[-5, 0, 3]] }, 1, true, {})).toBe(24);
  });
});

describe('a lone tone reads as its own pitch class (the extract CLI fixture sine440 is "A")', () => {
  function sineChroma(hz: number): { frames: number[]; count: number } {
    const x = new Float32Array(SR);
    for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / SR);
    const fa = new FrameAnalyzer();
    const frames: number[] = [];
    let count = 0;
    for (let p = 0; p + FRAME_SIZE <= x.length; p += HOP_SIZE, count++) frames.push(...fa.analyze(x.subarray(p, p + FRAME_SIZE)).chromaRaw);
    return { frames, count };
  }
  it('all 12 pitch classes with the default templates', () => {
    for (let k = 0; k < 12; k++) {
      const { frames, count } = sineChroma(440 * 2 ** (k / 12));
      expect(estimateKeyFromFrames(frames, count).tonic).toBe((9 + k) % 12);
    }
  });
  it('Kostka–Payne profiles would call a lone A the fifth of D (why they are not the default)', () => {
    const { frames, count } = sineChroma(440);
    expect(estimateKeyFromFrames(frames, count, { profiles: 'kostka' }).key).toBe('D');
  });
});

describe('estimateKey', () => {
  it('recovers the key of an ideal profile-shaped chroma, bare templates', () => {
    for (const [name, prof] of [
      ['krumhansl', KRUMHANSL_KESSLER],
      ['temperley', TEMPERLEY],
      ['albrecht', ALBRECHT_SHANAHAN],
      ['kostka', TEMPERLEY_KOSTKA_PAYNE],
    ] as const) {
      for (let tonic = 0; tonic < 12; tonic++) {
        for (const mode of ['major', 'minor'] as const) {
          const chroma = Array.from({ length: 12 }, (_, pc) => prof[mode][(pc - tonic + 12) % 12]);
          const k = estimateKey(chroma, { profiles: name, harmonics: 1 });
          expect([k.tonic, k.mode]).toEqual([tonic, mode]);
          expect(k.correlation).toBeCloseTo(1, 9);
        }
      }
    }
  });

  it('a flat chroma has no key confidence', () => {
    expect(estimateKey(new Array(12).fill(1)).confidence).toBe(0);
  });
});

describe('estimateKeyFromFrames frame weighting (issue 17)', () => {
  // Two frames of an A minor-ish chroma (A, C, E strong) and one loud flat frame (a drum hit).
  const am = [1, 0, 0.1, 0, 0.8, 0, 0, 0.1, 0, 1.2, 0, 0.1];
  const flat = new Array(12).fill(50);
  it("'energy' is the plain sum of the frames (chorus-audio-1.0.0 behaviour)", () => {
    const frames = [...am, ...am, ...flat];
    const sum = am.map((v) => 2 * v + 50);
    expect(estimateKeyFromFrames(frames, 3, { frameWeighting: 'energy' }).scores).toEqual(estimateKey(sum).scores);
  });
  it("'contrast' (the default) gives a flat frame no weight at all", () => {
    const withHit = estimateKeyFromFrames([...am, ...am, ...flat], 3);
    const without = estimateKeyFromFrames([...am, ...am], 2);
    expect(withHit.scores).toEqual(without.scores);
    expect(`${withHit.key} ${withHit.mode}`).toBe('A minor');
  });
});
