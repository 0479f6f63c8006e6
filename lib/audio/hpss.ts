/**
 * Harmonic/percussive balance by median-filtering the magnitude spectrogram
 * (Fitzgerald 2010), streamed with a bounded ring buffer of spectra.
 */

export interface HpssOptions {
  /** Spectrum bins used (from bin 1). Default 744: up to 8 kHz at 22 050 Hz / 2048. */
  bins?: number;
  /** Adjacent bins summed into one band before filtering. Default 2 (21.5 Hz bands). */
  pool?: number;
  /** Use every `decimation`-th frame (hop 1024 at the default settings). */
  decimation?: number;
  // Both medians have length 9 (a sorting network): 0.42 s across time and
  // 190 Hz across frequency at the defaults.
}

export interface HpssResult {
  /** Σ M_H·|X|², harmonic energy (arbitrary units). */
  harmonicEnergy: number;
  /** Σ M_P·|X|², percussive energy. */
  percussiveEnergy: number;
  /** E_H / (E_H + E_P) in [0, 1]; 0.5 when there is no energy. */
  harmonicRatio: number;
  /** 10·log10(E_H / E_P), clamped to ±60 dB. */
  harmonicPercussiveDb: number;
  /** Frames (after decimation) that were separated. */
  frames: number;
}

/**
 * Median of 9 by Devillard's 19-exchange sorting network, on locals: the
 * callers pass the values straight from the spectra, with no scratch array
 * in between.
 */
// prettier-ignore
function median9(p0: number, p1: number, p2: number, p3: number, p4: number, p5: number, p6: number, p7: number, p8: number): number {
  let t: number;
  if (p1 > p2) { t = p1; p1 = p2; p2 = t; }
  if (p4 > p5) { t = p4; p4 = p5; p5 = t; }
  if (p7 > p8) { t = p7; p7 = p8; p8 = t; }
  if (p0 > p1) { t = p0; p0 = p1; p1 = t; }
  if (p3 > p4) { t = p3; p3 = p4; p4 = t; }
  if (p6 > p7) { t = p6; p6 = p7; p7 = t; }
  if (p1 > p2) { t = p1; p1 = p2; p2 = t; }
  if (p4 > p5) { t = p4; p4 = p5; p5 = t; }
  if (p7 > p8) { t = p7; p7 = p8; p8 = t; }
  if (p0 > p3) { t = p0; p0 = p3; p3 = t; }
  if (p5 > p8) { t = p5; p5 = p8; p8 = t; }
  if (p4 > p7) { t = p4; p4 = p7; p7 = t; }
  if (p3 > p6) { t = p3; p3 = p6; p6 = t; }
  if (p1 > p4) { t = p1; p1 = p4; p4 = t; }
  if (p2 > p5) { t = p2; p2 = p5; p5 = t; }
  if (p4 > p7) { t = p4; p4 = p7; p7 = t; }
  if (p4 > p2) { t = p4; p4 = p2; p2 = t; }
  if (p6 > p4) { t = p6; p6 = p4; p4 = t; }
  if (p4 > p2) { t = p4; p4 = p2; p2 = t; }
  void p0; void p1; void p3; void p5; void p6; void p7; void p8;
  return p4;
}

function medianSmall(p: Float64Array, n: number): number {
  for (let i = 1; i < n; i++) {
    const v = p[i];
    let j = i - 1;
    while (j >= 0 && p[j] > v) {
      p[j + 1] = p[j];
      j--;
    }
    p[j + 1] = v;
  }
  return n % 2 ? p[(n - 1) >> 1] : 0.5 * (p[n / 2 - 1] + p[n / 2]);
}

/**
 * Streaming median-filter HPSS energy balance.
 *
 * Method (Fitzgerald 2010): harmonic estimate H = median of |X| across time
 * per band, percussive estimate P = median across frequency per frame; soft
 * (Wiener, power 2) masks M_H = H²/(H² + P²), M_P = 1 − M_H; energies summed
 * over the clip. To stay within the extractor's time budget the spectrogram
 * is taken at hop 1024 (every other analysis frame), up to 8 kHz, with pairs
 * of bins pooled (21.5 Hz bands); both medians are then length 9 (0.42 s
 * across time, 190 Hz across frequency), computed with a sorting network.
 * Only the 9 most recent spectra are kept.
 *
 * Complexity per kept frame: O(bands); memory O(9·bands), independent of
 * clip length.
 */
export class StreamingHpss {
  private readonly bands: number;
  private readonly pool: number;
  private readonly decimation: number;
  private readonly tk = 9;
  private readonly ring: Float32Array[];
  private received = 0; // decimated frames stored
  private processed = 0; // centre frames separated
  private frameCounter = 0;
  private eh = 0;
  private ep = 0;
  private readonly h: Float64Array;
  private readonly p: Float64Array;
  private readonly scratch = new Float64Array(16);

  constructor(options: HpssOptions = {}) {
    this.pool = options.pool ?? 2;
    this.bands = Math.floor((options.bins ?? 744) / this.pool);
    this.decimation = options.decimation ?? 2;
    this.ring = Array.from({ length: this.tk }, () => new Float32Array(this.bands));
    this.h = new Float64Array(this.bands);
    this.p = new Float64Array(this.bands);
  }

  /** Feed the magnitude spectrum of the next frame (bins 0..). */
  push(amp: ArrayLike<number>): void {
    const keep = this.frameCounter++ % this.decimation === 0;
    if (!keep) return;
    const slot = this.ring[this.received % this.tk];
    const pool = this.pool;
    for (let b = 0, k = 1; b < this.bands; b++) {
      let sum = 0;
      for (let j = 0; j < pool; j++, k++) sum += amp[k];
      slot[b] = sum;
    }
    this.received++;
    const half = (this.tk - 1) >> 1;
    // The centre frame `received − 1 − half` now has its full future context.
    while (this.processed <= this.received - 1 - half) this.separate(this.processed++);
  }

  private separate(centre: number): void {
    const half = (this.tk - 1) >> 1;
    const lo = Math.max(0, centre - half);
    const hi = Math.min(this.received - 1, centre + half);
    const count = hi - lo + 1;
    const x = this.ring[centre % this.tk];
    const h = this.h;
    const p = this.p;
    const s = this.scratch;
    const nb = this.bands;
    if (count === 9) {
      const r = this.ring;
      const [r0, r1, r2, r3, r4, r5, r6, r7, r8] = r; // ring order is irrelevant to a median
      for (let k = 0; k < nb; k++) h[k] = median9(r0[k], r1[k], r2[k], r3[k], r4[k], r5[k], r6[k], r7[k], r8[k]);
    } else {
      for (let k = 0; k < nb; k++) {
        for (let t = lo; t <= hi; t++) s[t - lo] = this.ring[t % this.tk][k];
        h[k] = medianSmall(s, count);
      }
    }
    for (let k = 0; k < nb; k++) {
      const a = Math.max(0, k - 4);
      const b = Math.min(nb - 1, k + 4);
      const n = b - a + 1;
      if (n === 9) {
        p[k] = median9(x[a], x[a + 1], x[a + 2], x[a + 3], x[a + 4], x[a + 5], x[a + 6], x[a + 7], x[a + 8]);
        continue;
      }
      for (let j = 0; j < n; j++) s[j] = x[a + j];
      p[k] = medianSmall(s, n);
    }
    let eh = 0;
    let ep = 0;
    for (let k = 0; k < nb; k++) {
      const hh = h[k] * h[k];
      const pp = p[k] * p[k];
      const d = hh + pp;
      if (d <= 0) continue;
      const e = x[k] * x[k];
      const m = hh / d;
      eh += m * e;
      ep += (1 - m) * e;
    }
    this.eh += eh;
    this.ep += ep;
  }

  /** Separate the frames still waiting for context and return the balance. */
  finish(): HpssResult {
    while (this.processed < this.received) this.separate(this.processed++);
    const total = this.eh + this.ep;
    const ratio = total > 0 ? this.eh / total : 0.5;
    let db = 0;
    if (this.eh > 0 && this.ep > 0) db = 10 * Math.log10(this.eh / this.ep);
    else if (this.eh > 0) db = 60;
    else if (this.ep > 0) db = -60;
    return {
      harmonicEnergy: this.eh,
      percussiveEnergy: this.ep,
      harmonicRatio: ratio,
      harmonicPercussiveDb: Math.max(-60, Math.min(60, db)),
      frames: this.processed,
    };
  }
}
