/**
 * Demo-catalog synthesizer: invents a small music catalog whose moods are
 * known by construction, so a fresh install has something to label and the
 * tests and benchmarks have ground truth to score against.
 *
 * Every clip comes from a {@link Recipe}: a handful of musical controls
 * (tempo, key and mode, brightness, loudness, percussiveness, density,
 * dissonance) that music-mood research ties to perceived mood — fast, loud,
 * bright and major reads as happy/energetic; slow, quiet, dark and minor as
 * sad; dissonance as tense. The recipes are grouped into archetypes, each
 * tagged with the moods it was designed to evoke.
 *
 * Pure and deterministic: no I/O, no Math.random; the same spec gives the same
 * samples on every machine.
 */
import { createRng, hashString, shuffleInPlace, type Rng } from '../util/random';

// ───────────────────────────── taxonomy & recipes ─────────────────────────────

/** The default mood taxonomy, in display order. */
export const DEMO_TAGS: readonly { key: string; label: string; description: string }[] = Object.freeze([
  { key: 'happy', label: 'Happy', description: 'Cheerful and positive; you could smile or sing along.' },
  { key: 'sad', label: 'Sad', description: 'Melancholic, sorrowful or wistful.' },
  { key: 'calm', label: 'Calm', description: 'Relaxed and peaceful; little motion or tension.' },
  { key: 'energetic', label: 'Energetic', description: 'Driving, fast and intense; makes you move.' },
  { key: 'tense', label: 'Tense', description: 'Suspenseful, anxious or unresolved.' },
  { key: 'dreamy', label: 'Dreamy', description: 'Floating, hazy and atmospheric.' },
  { key: 'dark', label: 'Dark', description: 'Ominous, heavy or brooding.' },
  { key: 'uplifting', label: 'Uplifting', description: 'Hopeful and rising; lifts the mood.' },
]);

/** The musical controls one clip was rendered from; doubles as its ground truth. */
export interface Recipe {
  /** Archetype id, e.g. 'happy-pop'. */
  id: string;
  /** Ground-truth mood tags (multi-label, 1–3 keys of {@link DEMO_TAGS}). */
  tags: string[];
  /** Beats per minute actually used. */
  tempoBpm: number;
  /** Tonic pitch class, 0..11 (0 = C). */
  tonicPc: number;
  mode: 'major' | 'minor';
  /** 0..1: harmonic rolloff, register and low-pass cutoff. */
  brightness: number;
  /** Target RMS level in dBFS (about -30 .. -8). */
  loudnessDb: number;
  /** 0..1: drum level and how full the kit is. */
  percussiveness: number;
  /** 0..1: notes per beat and number of layers. */
  density: number;
  /** 0..1: clusters, tritones, chromatic notes and detuning. */
  dissonance: number;
  /** Length in seconds, 10..30. */
  durationS: number;
}

export interface DemoClipSpec {
  index: number;
  title: string;
  artist: string;
  recipe: Recipe;
  seed: number;
}

interface Archetype {
  id: string;
  tags: string[];
  tempo: [number, number];
  mode: 'major' | 'minor';
  brightness: number;
  loudnessDb: number;
  percussiveness: number;
  density: number;
  dissonance: number;
  artists: [string, string];
  /** Title words that fit the mood; nouns are shared. */
  adjectives: string[];
}

// Centre values sit far enough apart that per-clip jitter never makes two
// archetypes swap order on the axis that defines them (e.g. loudness of
// energetic-dance vs sad-ballad), which keeps the ground truth honest.
const ARCHETYPES: readonly Archetype[] = [
  {
    id: 'happy-pop', tags: ['happy', 'uplifting'], tempo: [120, 132], mode: 'major',
    brightness: 0.75, loudnessDb: -14, percussiveness: 0.6, density: 0.6, dissonance: 0.05,
    artists: ['Mallow & Finch', 'Sunday Tangerine'],
    adjectives: ['Sunny', 'Golden', 'Lucky', 'Candy', 'Bright', 'Sweet'],
  },
  {
    id: 'sad-ballad', tags: ['sad'], tempo: [60, 72], mode: 'minor',
    brightness: 0.25, loudnessDb: -24, percussiveness: 0.15, density: 0.3, dissonance: 0.1,
    artists: ['Ellis Moorcroft', 'Lanterns in Rain'],
    adjectives: ['Empty', 'Fading', 'Lonely', 'Grey', 'Broken', 'Last'],
  },
  {
    id: 'calm-ambient', tags: ['calm'], tempo: [60, 76], mode: 'major',
    brightness: 0.35, loudnessDb: -25, percussiveness: 0, density: 0.25, dissonance: 0.05,
    artists: ['Still Meadow', 'Ona Halvorsen'],
    adjectives: ['Quiet', 'Gentle', 'Slow', 'Soft', 'Still', 'Warm'],
  },
  {
    id: 'energetic-dance', tags: ['energetic', 'happy'], tempo: [128, 150], mode: 'major',
    brightness: 0.8, loudnessDb: -10, percussiveness: 0.95, density: 0.9, dissonance: 0.05,
    artists: ['Voltline', 'DJ Kestrel'],
    adjectives: ['Electric', 'Neon', 'Rapid', 'Wild', 'Turbo', 'Strobe'],
  },
  {
    id: 'tense-thriller', tags: ['tense', 'dark'], tempo: [90, 110], mode: 'minor',
    brightness: 0.45, loudnessDb: -18, percussiveness: 0.58, density: 0.62, dissonance: 0.85,
    artists: ['Nightwire', 'The Halden Room'],
    adjectives: ['Hidden', 'Hollow', 'Restless', 'Crooked', 'Silent', 'Creeping'],
  },
  {
    id: 'dreamy-pad', tags: ['dreamy', 'calm'], tempo: [66, 84], mode: 'major',
    brightness: 0.45, loudnessDb: -22, percussiveness: 0, density: 0.35, dissonance: 0.1,
    artists: ['Cirrus Choir', 'Mira Solenne'],
    adjectives: ['Floating', 'Velvet', 'Hazy', 'Distant', 'Drifting', 'Pastel'],
  },
  {
    id: 'dark-drone', tags: ['dark', 'sad'], tempo: [50, 64], mode: 'minor',
    brightness: 0.1, loudnessDb: -20, percussiveness: 0.05, density: 0.1, dissonance: 0.35,
    artists: ['Basalt Hymn', 'Umbral Fields'],
    adjectives: ['Black', 'Sunken', 'Iron', 'Buried', 'Cold', 'Deep'],
  },
  {
    id: 'uplifting-anthem', tags: ['uplifting', 'energetic'], tempo: [116, 128], mode: 'major',
    brightness: 0.85, loudnessDb: -11, percussiveness: 0.75, density: 0.78, dissonance: 0.05,
    artists: ['Brightwater', 'The High Arches'],
    adjectives: ['Rising', 'Endless', 'Open', 'Wide', 'Brave', 'Higher'],
  },
  {
    id: 'tense-drive', tags: ['tense', 'energetic'], tempo: [140, 160], mode: 'minor',
    brightness: 0.6, loudnessDb: -12, percussiveness: 0.85, density: 0.8, dissonance: 0.65,
    artists: ['Redline Static', 'Ozone Kid'],
    adjectives: ['Rushing', 'Burning', 'Frantic', 'Jagged', 'Racing', 'Wired'],
  },
  {
    id: 'nostalgic-haze', tags: ['sad', 'dreamy'], tempo: [70, 84], mode: 'minor',
    brightness: 0.3, loudnessDb: -21, percussiveness: 0.28, density: 0.4, dissonance: 0.15,
    artists: ['Polaroid Summer', 'Wren & the Tidewater'],
    adjectives: ['Faded', 'Yesterday', 'Paper', 'Sepia', 'Blurred', 'Old'],
  },
];

const TITLE_NOUNS = [
  'Afternoon', 'Harbour', 'Lights', 'Skyline', 'Letters', 'Garden', 'Signal', 'River', 'Window',
  'Orbit', 'Highway', 'Tides', 'Echoes', 'Meadow', 'Static', 'Horizon', 'Rooms', 'Streets',
  'Shoreline', 'Embers', 'Clouds', 'Mirrors', 'Parade', 'Stairwell', 'Lanterns', 'Engines',
  'Fields', 'Radio', 'Winter', 'Balloons',
];

const MIN_DURATION_S = 10;
const MAX_DURATION_S = 30;

/**
 * Deterministic demo catalog of `n` clips.
 *
 * Clips cycle through the archetypes in blocks (each block a seeded
 * permutation, so every archetype appears once per block and the catalog stays
 * balanced), with per-clip jitter of tempo, key, duration, brightness,
 * loudness and the other controls. Each archetype has two invented artists, so
 * at n = 60 every artist has three clips. O(n).
 *
 * @param n number of clips (≥ 60 recommended so every archetype has several)
 * @param seed catalog seed; the same (n, seed) always gives the same list, and
 *   a longer list starts with the shorter one
 * @example
 * for (const spec of demoCatalog(60)) save(spec.title, encodeWav([renderClip(spec)], 22050));
 */
export function demoCatalog(n: number, seed = 1): DemoClipSpec[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`demoCatalog: n must be a non-negative integer, got ${n}`);
  const k = ARCHETYPES.length;
  const orderRng = createRng(hashString(`chorus-demo-order:${seed}`));
  const order: number[] = [];
  while (order.length < n) {
    order.push(...shuffleInPlace(Array.from({ length: k }, (_, i) => i), orderRng));
  }

  const usedTitles = new Set<string>();
  const artistTurn = new Map<string, number>();
  const specs: DemoClipSpec[] = [];
  for (let index = 0; index < n; index++) {
    const archetype = ARCHETYPES[order[index]];
    const clipSeed = hashString(`chorus-demo-clip:${seed}:${index}`);
    const rng = createRng(clipSeed);
    const recipe = jitterRecipe(archetype, rng);

    // Alternate the archetype's two artists so both get a share of clips.
    const turn = artistTurn.get(archetype.id) ?? 0;
    artistTurn.set(archetype.id, turn + 1);

    specs.push({
      index,
      title: pickTitle(archetype, rng, usedTitles),
      artist: archetype.artists[turn % 2],
      recipe,
      seed: clipSeed,
    });
  }
  return specs;
}

function jitterRecipe(a: Archetype, rng: Rng): Recipe {
  const spread = (value: number, amount: number) =>
    // A zero stays zero: "no drums" must not turn into faint drums.
    value === 0 ? 0 : round(clamp(value + (rng() * 2 - 1) * amount, 0, 1), 2);
  return {
    id: a.id,
    tags: [...a.tags],
    tempoBpm: a.tempo[0] + Math.floor(rng() * (a.tempo[1] - a.tempo[0] + 1)),
    tonicPc: Math.floor(rng() * 12),
    mode: a.mode,
    brightness: spread(a.brightness, 0.06),
    loudnessDb: round(a.loudnessDb + (rng() * 2 - 1) * 1.5, 1),
    percussiveness: spread(a.percussiveness, 0.05),
    density: spread(a.density, 0.06),
    dissonance: spread(a.dissonance, 0.05),
    durationS: round(MIN_DURATION_S + rng() * (MAX_DURATION_S - MIN_DURATION_S), 1),
  };
}

function pickTitle(a: Archetype, rng: Rng, used: Set<string>): string {
  let title = '';
  for (let attempt = 0; attempt < 20; attempt++) {
    title = `${a.adjectives[Math.floor(rng() * a.adjectives.length)]} ${TITLE_NOUNS[Math.floor(rng() * TITLE_NOUNS.length)]}`;
    if (!used.has(title)) break;
  }
  // Large catalogs can exhaust the word pairs; a numeral keeps titles unique.
  let unique = title;
  for (let i = 2; used.has(unique); i++) unique = `${title} ${toRoman(i)}`;
  used.add(unique);
  return unique;
}

function toRoman(value: number): string {
  const numerals: [number, string][] = [
    [1000, 'M'], [900, 'CM'], [500, 'D'], [400, 'CD'], [100, 'C'], [90, 'XC'],
    [50, 'L'], [40, 'XL'], [10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I'],
  ];
  let out = '';
  for (const [n, s] of numerals) {
    while (value >= n) {
      out += s;
      value -= n;
    }
  }
  return out;
}

// ───────────────────────────────── rendering ─────────────────────────────────

const DEFAULT_SAMPLE_RATE = 22050;

/**
 * Render a clip to mono float samples in [-1, 1].
 *
 * Signal chain: chords from a progression in the recipe's key and mode
 * (diminished/tritone clusters when dissonant) played by a detuned
 * additive-synthesis pad; an arpeggio and a random-walk melody whose note rate
 * follows density; a bass line on the chord roots; a drum kit (pitch-swept
 * sine kick, filtered-noise snare and hats) at the tempo with level =
 * percussiveness; a feedback delay on dreamy clips; a one-pole low-pass whose
 * cutoff follows brightness; then gain to the target RMS (loudnessDb) through
 * a soft clipper, so the peak never exceeds 1.
 *
 * Oscillators read band-limited wavetables (harmonic amplitudes ∝ k^-p, p
 * falling as brightness rises), so cost is one table lookup per voice sample:
 * O(duration × sampleRate × voices): about 20–65 ms for 30 s at 22.05 kHz.
 *
 * @param spec a clip from {@link demoCatalog} (or any spec with a valid recipe)
 * @param sampleRate output rate in Hz, integer ≥ 8000 (default 22050)
 * @returns exactly round(durationS × sampleRate) samples; identical for identical input
 */
export function renderClip(spec: DemoClipSpec, sampleRate = DEFAULT_SAMPLE_RATE): Float32Array {
  if (!Number.isInteger(sampleRate) || sampleRate < 8000) {
    throw new RangeError(`renderClip: sampleRate must be an integer ≥ 8000, got ${sampleRate}`);
  }
  const r = spec.recipe;
  if (!(r.durationS > 0) || !(r.tempoBpm > 0)) throw new RangeError('renderClip: durationS and tempoBpm must be positive');

  const sr = sampleRate;
  const n = Math.round(r.durationS * sr);
  const rng = createRng(spec.seed);
  const style = deriveStyle(r);
  const ctx: RenderContext = { sr, n, beat: (60 / r.tempoBpm) * sr, recipe: r, style, rng };

  // Harmony is kept on its own bus so only it feeds the dreamy delay; echoed
  // drums would smear the beat that the tempo estimate relies on.
  const harmony = new Float32Array(n);
  const chords = planChords(ctx);
  renderPad(harmony, chords, ctx);
  renderArpeggio(harmony, chords, ctx);
  renderMelody(harmony, chords, ctx);
  if (style.delay) applyFeedbackDelay(harmony, Math.round(0.75 * ctx.beat), 0.5, 0.45);

  const mix = harmony;
  renderBass(mix, chords, ctx);
  const drums = new Float32Array(n);
  const kicks = renderDrums(drums, ctx);
  // Side-chain ducking: the music dips under each kick, the "pump" of dance
  // mixes, which also keeps bass and kick from masking each other.
  duckUnder(mix, kicks, 0.6 * r.percussiveness, 0.25 * ctx.beat, 0.005 * sr);
  for (let i = 0; i < n; i++) mix[i] += drums[i];

  // 600 Hz · 2^(4.5·b): ~800 Hz for a murky drone, past Nyquist for the brightest.
  lowPassInPlace(mix, 600 * 2 ** (4.5 * r.brightness), sr);
  applyFades(mix, sr);
  normalizeLoudness(mix, r.loudnessDb);
  return mix;
}

interface Style {
  /** Slow-attack pads held through each chord (calm, dreamy, ballad). */
  held: boolean;
  /** Rhythmic chord stabs instead of a held pad (dense, driving clips). */
  stabs: boolean;
  /** Root-and-fifth drone, chords changing every two bars. */
  drone: boolean;
  /** Diminished progression with tritone / minor-second clusters. */
  tense: boolean;
  /** Feedback delay and lush 7th/9th voicings. */
  delay: boolean;
  /** Register centre (MIDI note) of the chord voicings. */
  centre: number;
  /** Harmonic rolloff exponent of the brightest voice. */
  rolloff: number;
}

interface RenderContext {
  sr: number;
  n: number;
  /** Samples per beat; fractional, and every event is placed from it directly so nothing drifts. */
  beat: number;
  recipe: Recipe;
  style: Style;
  rng: Rng;
}

interface ChordSlot {
  start: number;
  length: number;
  /** Semitones above the tonic; first entry is the root. */
  tones: number[];
}

function deriveStyle(r: Recipe): Style {
  return {
    held: r.percussiveness < 0.35 && r.density < 0.5,
    stabs: r.density >= 0.7 && r.percussiveness >= 0.5,
    drone: r.density < 0.18,
    tense: r.dissonance >= 0.5,
    delay: r.tags.includes('dreamy'),
    centre: Math.round(48 + 18 * r.brightness),
    rolloff: 3 - 2 * r.brightness,
  };
}

const MAJOR_SCALE = [0, 2, 4, 5, 7, 9, 11];
const MINOR_SCALE = [0, 2, 3, 5, 7, 8, 10];

/** Progressions as 0-based scale degrees; 'V' is the raised dominant of harmonic minor. */
const MAJOR_PROGRESSIONS: (number | 'V')[][] = [[0, 4, 5, 3], [0, 3, 5, 4], [0, 5, 3, 4], [3, 0, 4, 5]];
const MINOR_PROGRESSIONS: (number | 'V')[][] = [[0, 5, 2, 6], [0, 3, 5, 'V'], [0, 6, 5, 6], [0, 3, 0, 'V']];
/** i°, ♭II, i°, vii°7 — nothing resolves, which is the point. */
const TENSE_CHORDS = [[0, 3, 6], [1, 5, 8], [0, 3, 6], [-1, 2, 5, 8]];
const DRONE_DEGREES = [0, 0, 5, 0];

function planChords(ctx: RenderContext): ChordSlot[] {
  const { recipe: r, style, rng, n, beat } = ctx;
  const scale = r.mode === 'major' ? MAJOR_SCALE : MINOR_SCALE;
  let chords: number[][];
  if (style.tense) {
    chords = TENSE_CHORDS.map((c) => [...c]);
  } else if (style.drone) {
    chords = DRONE_DEGREES.map((d) => [scale[d], scale[d] + 7]);
  } else {
    const table = r.mode === 'major' ? MAJOR_PROGRESSIONS : MINOR_PROGRESSIONS;
    const progression = table[Math.floor(rng() * table.length)];
    chords = progression.map((d) => (d === 'V' ? [7, 11, 14] : triad(scale, d, style.delay)));
  }

  const slotLength = (style.drone ? 8 : 4) * beat;
  const slots: ChordSlot[] = [];
  for (let i = 0; i * slotLength < n; i++) {
    const tones = [...chords[i % chords.length]];
    // Clusters a semitone or a tritone above the root: the textbook markers of dissonance.
    if (rng() < r.dissonance) tones.push(tones[0] + 6);
    if (rng() < r.dissonance * 0.8) tones.push(tones[0] + 13);
    const start = Math.round(i * slotLength);
    slots.push({ start, length: Math.round((i + 1) * slotLength) - start, tones });
  }
  return slots;
}

function triad(scale: number[], degree: number, lush: boolean): number[] {
  const at = (d: number) => scale[d % 7] + 12 * Math.floor(d / 7);
  const tones = [at(degree), at(degree + 2), at(degree + 4)];
  if (lush) tones.push(at(degree + 6), at(degree + 8));
  return tones;
}

/** MIDI notes of a chord voiced upward from the root nearest the register centre. */
function voice(tones: number[], tonicPc: number, centre: number): number[] {
  let root = tonicPc + tones[0];
  root += 12 * Math.round((centre - root) / 12);
  return tones.map((t) => root + (t - tones[0]));
}

function renderPad(out: Float32Array, chords: ChordSlot[], ctx: RenderContext): void {
  const { recipe: r, style, sr, beat, rng } = ctx;
  const bank = tableBank(style.rolloff + 0.5, sr);
  // Wider detune as dissonance rises: the beating reads as unease.
  const detune = 2 ** ((5 + 15 * r.dissonance) / 1200);
  for (const slot of chords) {
    const notes = voice(slot.tones, r.tonicPc, style.centre);
    const amp = 0.16 / Math.sqrt(notes.length);
    if (style.stabs) {
      // Off-beat stabs: the classic dance-pop push against the kick.
      for (let t = 0.5 * beat; t < slot.length; t += beat) {
        for (const note of notes) {
          addTone(out, bank, midiToHz(note), slot.start + Math.round(t), Math.round(0.35 * beat), amp * 1.3, STAB_ENV, sr, rng());
        }
      }
      continue;
    }
    const attack = style.delay ? 1.4 : style.held ? 0.5 + (1 - r.density) * 0.6 : 0.04;
    const env: Adsr = { a: attack, d: 0.8, s: 0.8, r: style.held || style.delay ? 1.2 : 0.25 };
    for (const note of notes) {
      const f = midiToHz(note);
      addTone(out, bank, f * detune, slot.start, slot.length, amp, env, sr, rng());
      addTone(out, bank, f / detune, slot.start, slot.length, amp, env, sr, rng());
    }
  }
}

function renderArpeggio(out: Float32Array, chords: ChordSlot[], ctx: RenderContext): void {
  const { recipe: r, style, sr, beat, rng } = ctx;
  const perBeat = r.density >= 0.75 ? 4 : r.density >= 0.45 ? 2 : style.delay && r.density >= 0.25 ? 1 : 0;
  if (perBeat === 0) return;
  const bank = tableBank(style.rolloff - 0.3, sr);
  const step = beat / perBeat;
  const upDown = rng() < 0.5;
  const env: Adsr = { a: 0.003, d: 0.1 + (1 - r.density) * 0.5, s: 0, r: 0.05 };
  for (const slot of chords) {
    const base = voice(slot.tones, r.tonicPc, style.centre + 12);
    const cycle = [...base, ...base.map((m) => m + 12)];
    if (upDown) cycle.push(...cycle.slice(1, -1).reverse());
    for (let i = 0; i * step < slot.length; i++) {
      const accent = i % perBeat === 0 ? 1 : 0.7;
      addTone(out, bank, midiToHz(cycle[i % cycle.length]), slot.start + Math.round(i * step), Math.round(step), 0.07 * accent, env, sr, 0);
    }
  }
}

/** Scale steps for the melody's random walk: mostly stepwise, as sung tunes are. */
const MELODY_STEPS = [-2, -1, -1, 0, 1, 1, 2];

function renderMelody(out: Float32Array, chords: ChordSlot[], ctx: RenderContext): void {
  const { recipe: r, style, sr, beat, rng, n } = ctx;
  const beatsPerNote = r.density < 0.18 ? 0 : r.density < 0.4 ? 2 : r.density < 0.7 ? 1 : 0.5;
  if (beatsPerNote === 0) return;
  const scale = r.mode === 'major' ? MAJOR_SCALE : MINOR_SCALE;
  const bank = tableBank(style.rolloff, sr);
  const step = beatsPerNote * beat;
  const low = style.centre + 7;
  const high = style.centre + 21;
  const env: Adsr = { a: 0.02, d: 0.3, s: 0.55, r: style.held ? 0.6 : 0.15 };
  const restChance = style.held ? 0.3 : 0.15;

  // Melody pitch as a scale index (7 per octave) so the walk stays in key.
  const pitchOf = (idx: number) => r.tonicPc + scale[((idx % 7) + 7) % 7] + 12 * Math.floor(idx / 7);
  let idx = Math.round(((low + high) / 2 - r.tonicPc) / 12) * 7;
  let slotIndex = 0;
  for (let i = 0; i * step < n; i++) {
    const start = Math.round(i * step);
    while (slotIndex + 1 < chords.length && chords[slotIndex + 1].start <= start) slotIndex++;
    idx += MELODY_STEPS[Math.floor(rng() * MELODY_STEPS.length)];
    while (pitchOf(idx) > high) idx -= 2;
    while (pitchOf(idx) < low) idx += 2;
    let note = pitchOf(idx);
    // Land on a chord tone at the start of each chord so the tune follows the harmony.
    if (start === chords[slotIndex].start) note = nearestChordTone(note, chords[slotIndex].tones, r.tonicPc);
    if (rng() < restChance && i % 2 === 1) continue;
    if (rng() < r.dissonance * 0.3) note += rng() < 0.5 ? 1 : -1;
    addTone(out, bank, midiToHz(note), start, Math.round(step * 0.85), 0.13, env, sr, 0);
  }
}

function nearestChordTone(note: number, tones: number[], tonicPc: number): number {
  let best = note;
  let bestDistance = Infinity;
  for (const t of tones) {
    for (const octave of [-12, 0, 12]) {
      const pc = (((tonicPc + t) % 12) + 12) % 12;
      const candidate = note - (((note % 12) + 12) % 12) + pc + octave;
      const d = Math.abs(candidate - note);
      if (d < bestDistance) { bestDistance = d; best = candidate; }
    }
  }
  return best;
}

function renderBass(out: Float32Array, chords: ChordSlot[], ctx: RenderContext): void {
  const { recipe: r, style, sr, beat } = ctx;
  const bank = tableBank(style.rolloff + 0.3, sr);
  const eighths = r.density >= 0.55 && r.percussiveness >= 0.4;
  const quarters = !eighths && r.percussiveness >= 0.3;
  for (const slot of chords) {
    // G1..F#2: low enough to anchor, high enough for small speakers.
    const midi = 31 + ((((r.tonicPc + slot.tones[0] - 7) % 12) + 12) % 12);
    const f = midiToHz(midi);
    if (!eighths && !quarters) {
      addTone(out, bank, f, slot.start, slot.length, 0.3, { a: 0.3, d: 1, s: 0.8, r: 0.6 }, sr, 0);
      continue;
    }
    const step = eighths ? beat / 2 : beat;
    for (let i = 0; i * step < slot.length; i++) {
      // Off-beats are lighter (the beat stays where the kick is) and, outside
      // tense clips, jump an octave: the bounce of a driving bass line.
      const offBeat = eighths && i % 2 === 1;
      const octave = offBeat && !style.tense ? 2 : 1;
      addTone(out, bank, f * octave, slot.start + Math.round(i * step), Math.round(step * 0.8), offBeat ? 0.22 : 0.3, BASS_ENV, sr, 0);
    }
  }
}

// ────────────────────────────────── drums ───────────────────────────────────

/** Adds the kit to `out`; returns the kick positions (samples) for side-chaining. */
function renderDrums(out: Float32Array, ctx: RenderContext): number[] {
  const { recipe: r, sr, n, beat, rng } = ctx;
  const p = r.percussiveness;
  const kicks: number[] = [];
  if (p < 0.12) return kicks;
  const noise = new Float32Array(sr);
  for (let i = 0; i < noise.length; i++) noise[i] = rng() * 2 - 1;

  const gain = 1.4 * p;
  const kick = makeKick(sr, midiToHz(24 + r.tonicPc)); // C1..B1, 33–62 Hz
  const snares = [0, 1, 2, 3].map(() => makeSnare(sr, noise, Math.floor(rng() * (noise.length / 2))));
  const hats = [0, 1, 2, 3].map(() => makeHat(sr, noise, Math.floor(rng() * (noise.length / 2))));

  // Fuller kits as percussiveness rises: kick on 1 → 1 & 3 → every beat.
  const kickEvery = p >= 0.5 ? 1 : p >= 0.25 ? 2 : 4;
  const hatsPerBeat = p >= 0.2 ? (p >= 0.7 && r.density >= 0.75 ? 4 : 2) : 0;
  const beats = Math.ceil(n / beat);
  for (let b = 0; b < beats; b++) {
    const at = Math.round(b * beat);
    if (b % kickEvery === 0) {
      mixIn(out, kick, at, gain);
      kicks.push(at);
    }
    if (p >= 0.3 && b % 2 === 1) mixIn(out, snares[b % 4], at, gain * 0.55);
    for (let h = 0; h < hatsPerBeat; h++) {
      const accent = h % 2 === 1 ? 1 : 0.6; // off-beat hats, the groove's lift
      mixIn(out, hats[(b + h) % 4], at + Math.round((h * beat) / hatsPerBeat), gain * 0.2 * accent);
    }
  }
  return kicks;
}

/**
 * The demo kit alone, for test material that layers the project's drums
 * under other sources (e.g. the piano dev set in bench/piano-devset.ts):
 * kick, snare and hats at `tempoBpm` from sample 0, with the same
 * percussiveness/density rules as {@link renderClip}. Deterministic per seed.
 *
 * @returns `n` samples of drums (unnormalised, peak ≈ 1.4·percussiveness)
 */
export function renderDrumTrack(
  n: number,
  sampleRate: number,
  tempoBpm: number,
  options: { percussiveness: number; density: number; tonicPc?: number; seed?: number },
): Float32Array {
  const out = new Float32Array(n);
  const recipe = { percussiveness: options.percussiveness, density: options.density, tonicPc: options.tonicPc ?? 0 } as Recipe;
  const ctx = { sr: sampleRate, n, beat: (60 / tempoBpm) * sampleRate, recipe, rng: createRng(options.seed ?? 1) } as RenderContext;
  renderDrums(out, ctx);
  return out;
}

/**
 * Multiplies `buf` by 1 − depth·e^(−t/tau) after each trigger (t, tau in
 * samples), entering over `ramp` samples so sustained notes dip without a click.
 */
function duckUnder(buf: Float32Array, triggers: number[], depth: number, tau: number, ramp: number): void {
  if (depth <= 0) return;
  const fall = Math.exp(-1 / tau);
  for (let k = 0; k < triggers.length; k++) {
    const from = triggers[k];
    const to = Math.min(buf.length, k + 1 < triggers.length ? triggers[k + 1] : buf.length);
    let decay = 1;
    for (let i = from; i < to; i++) {
      const t = i - from;
      buf[i] *= 1 - depth * (t < ramp ? t / ramp : 1) * decay;
      decay *= fall;
    }
  }
}

/**
 * Kick: a sine whose pitch falls fast from ~120 Hz above its tail to the tail
 * (the thump of an 808). The tail is tuned to the tonic, as producers tune
 * kicks, so its boom does not blur the key.
 */
function makeKick(sr: number, tailHz: number): Float32Array {
  const out = new Float32Array(Math.round(0.35 * sr));
  let phase = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / sr;
    phase += (2 * Math.PI * (tailHz + 120 * Math.exp(-t / 0.03))) / sr;
    out[i] = Math.sin(phase) * Math.exp(-t / 0.11);
  }
  return out;
}

/** Snare: a short 190 Hz body plus high-passed noise with a longer tail. */
function makeSnare(sr: number, noise: Float32Array, offset: number): Float32Array {
  const out = new Float32Array(Math.round(0.22 * sr));
  let lp = 0;
  const a = onePoleCoefficient(1200, sr);
  for (let i = 0; i < out.length; i++) {
    const t = i / sr;
    const x = noise[(offset + i) % noise.length];
    lp += a * (x - lp);
    out[i] = 0.5 * Math.sin(2 * Math.PI * 190 * t) * Math.exp(-t / 0.04) + (x - lp) * Math.exp(-t / 0.07);
  }
  return out;
}

/** Hat: noise with everything below ~6 kHz removed and a 25 ms decay. */
function makeHat(sr: number, noise: Float32Array, offset: number): Float32Array {
  const out = new Float32Array(Math.round(0.08 * sr));
  let lp = 0;
  const a = onePoleCoefficient(Math.min(6000, sr * 0.3), sr);
  for (let i = 0; i < out.length; i++) {
    const x = noise[(offset + i) % noise.length];
    lp += a * (x - lp);
    out[i] = (x - lp) * Math.exp(-i / sr / 0.025);
  }
  return out;
}

function mixIn(out: Float32Array, sound: Float32Array, at: number, gain: number): void {
  const end = Math.min(out.length, at + sound.length);
  for (let i = Math.max(0, at); i < end; i++) out[i] += sound[i - at] * gain;
}

// ─────────────────────────── oscillators & envelopes ──────────────────────────

interface Adsr {
  /** Attack, seconds (linear ramp). */
  a: number;
  /** Decay time constant, seconds (exponential towards sustain). */
  d: number;
  /** Sustain level, 0..1. */
  s: number;
  /** Release, seconds to −60 dB. */
  r: number;
}

const STAB_ENV: Adsr = { a: 0.004, d: 0.12, s: 0.3, r: 0.08 };
const BASS_ENV: Adsr = { a: 0.005, d: 0.15, s: 0.6, r: 0.06 };

const TABLE_BITS = 11;
const TABLE_SIZE = 1 << TABLE_BITS;
const MAX_HARMONICS = 48;
const SINE = Float64Array.from({ length: TABLE_SIZE }, (_, i) => Math.sin((2 * Math.PI * i) / TABLE_SIZE));
const tableCache = new Map<string, Float32Array>();

/**
 * Returns a lookup from frequency to a one-period wavetable with harmonic
 * amplitudes k^-rolloff, holding only harmonics below ~0.45·sr for that
 * frequency's octave — additive synthesis without aliasing, at the price of
 * one table per octave. Tables are cached across renders; they are pure
 * functions of (rolloff, octave, sr).
 */
function tableBank(rolloff: number, sr: number): (freq: number) => Float32Array {
  const p = Math.round(Math.max(0.8, rolloff) * 20) / 20;
  return (freq) => {
    const octave = Math.ceil(Math.log2(freq));
    const key = `${p}:${octave}:${sr}`;
    let table = tableCache.get(key);
    if (!table) {
      const harmonics = clamp(Math.floor((0.45 * sr) / 2 ** octave), 1, MAX_HARMONICS);
      table = new Float32Array(TABLE_SIZE + 1); // +1 guard point for interpolation
      let peak = 0;
      for (let i = 0; i < TABLE_SIZE; i++) {
        let s = 0;
        // Harmonic k at position i is sin(2π·k·i/N): an exact index into the sine table.
        for (let k = 1; k <= harmonics; k++) s += SINE[(k * i) & (TABLE_SIZE - 1)] * k ** -p;
        table[i] = s;
        peak = Math.max(peak, Math.abs(s));
      }
      for (let i = 0; i < TABLE_SIZE; i++) table[i] /= peak;
      table[TABLE_SIZE] = table[0];
      tableCache.set(key, table);
    }
    return table;
  };
}

/**
 * Adds one enveloped note to `out`: `hold` samples of attack/decay/sustain,
 * then the release tail, truncated at the buffer end.
 */
function addTone(
  out: Float32Array,
  bank: (freq: number) => Float32Array,
  freq: number,
  start: number,
  hold: number,
  amp: number,
  env: Adsr,
  sr: number,
  phase01: number,
): void {
  if (freq <= 0 || freq >= sr / 2 || start >= out.length) return;
  const table = bank(freq);
  const attack = Math.max(1, env.a * sr);
  const decayMul = Math.exp(-1 / Math.max(1, env.d * sr));
  const releaseMul = Math.exp(Math.log(0.001) / Math.max(1, env.r * sr));
  const total = Math.min(out.length - start, hold + Math.ceil(env.r * sr));
  const inc = (freq * TABLE_SIZE) / sr;
  let phase = phase01 * TABLE_SIZE;
  let level = 0;
  let decay = 1;
  for (let i = 0; i < total; i++) {
    if (i < hold) {
      if (i < attack) level = i / attack;
      else {
        decay *= decayMul;
        level = env.s + (1 - env.s) * decay;
      }
    } else {
      level *= releaseMul;
    }
    const j = phase | 0;
    const frac = phase - j;
    const sample = table[j] + frac * (table[j + 1] - table[j]);
    out[start + i] += sample * level * amp;
    phase += inc;
    if (phase >= TABLE_SIZE) phase -= TABLE_SIZE;
  }
}

// ───────────────────────────────── effects ──────────────────────────────────

/** Feedback delay with a darkening low-pass in the loop, so repeats fade into haze. */
function applyFeedbackDelay(buf: Float32Array, delay: number, feedback: number, wet: number): void {
  if (delay <= 0) return;
  const line = new Float32Array(delay);
  let at = 0;
  let damp = 0;
  for (let i = 0; i < buf.length; i++) {
    const echoed = line[at];
    damp += 0.35 * (echoed - damp);
    line[at] = buf[i] + damp * feedback;
    buf[i] += echoed * wet;
    at = at + 1 === delay ? 0 : at + 1;
  }
}

function onePoleCoefficient(cutoffHz: number, sr: number): number {
  return 1 - Math.exp((-2 * Math.PI * cutoffHz) / sr);
}

function lowPassInPlace(buf: Float32Array, cutoffHz: number, sr: number): void {
  if (cutoffHz >= sr / 2) return;
  const a = onePoleCoefficient(cutoffHz, sr);
  let y = 0;
  for (let i = 0; i < buf.length; i++) {
    y += a * (buf[i] - y);
    buf[i] = y;
  }
}

/** 10 ms fade-in and up to 1 s fade-out, so clips neither click on nor stop dead. */
function applyFades(buf: Float32Array, sr: number): void {
  const fadeIn = Math.min(buf.length, Math.round(0.01 * sr));
  for (let i = 0; i < fadeIn; i++) buf[i] *= i / fadeIn;
  const fadeOut = Math.min(buf.length, Math.round(Math.min(1, buf.length / sr / 10) * sr));
  for (let i = 0; i < fadeOut; i++) buf[buf.length - 1 - i] *= i / fadeOut;
}

const CLIP_KNEE = 0.75;

/** Identity below the knee, tanh above it: limits the peak to < 1 while keeping quiet material untouched. */
function softClip(x: number): number {
  const m = Math.abs(x);
  if (m <= CLIP_KNEE) return x;
  const y = CLIP_KNEE + (1 - CLIP_KNEE) * Math.tanh((m - CLIP_KNEE) / (1 - CLIP_KNEE));
  return x < 0 ? -y : y;
}

/**
 * Scales to the target RMS through the soft clipper. Clipping lowers the RMS
 * of loud, peaky mixes, so the gain is refined a few times against the
 * clipped result rather than computed once.
 */
function normalizeLoudness(buf: Float32Array, loudnessDb: number): void {
  const target = 10 ** (loudnessDb / 20);
  const raw = rms(buf);
  if (raw === 0) return;
  let gain = target / raw;
  for (let iteration = 0; iteration < 4; iteration++) {
    let sum = 0;
    for (let i = 0; i < buf.length; i++) {
      const y = softClip(buf[i] * gain);
      sum += y * y;
    }
    const achieved = Math.sqrt(sum / buf.length);
    if (Math.abs(achieved / target - 1) < 0.005) break;
    gain *= target / achieved;
  }
  for (let i = 0; i < buf.length; i++) buf[i] = softClip(buf[i] * gain);
}

function rms(buf: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
  return buf.length === 0 ? 0 : Math.sqrt(sum / buf.length);
}

// ───────────────────────────────── helpers ──────────────────────────────────

function midiToHz(midi: number): number {
  return 440 * 2 ** ((midi - 69) / 12);
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
