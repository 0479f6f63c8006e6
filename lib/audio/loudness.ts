/**
 * Programme loudness per ITU-R BS.1770-4 and loudness range per EBU Tech 3342,
 * computed block-wise on the source channels at the source rate (BS.1770
 * sums *channel powers*; a mono downmix would read 3 dB low on a stereo
 * sine and wrong on anything decorrelated).
 */
import { Float32Column } from './stats';

/** Biquad coefficients, a0 normalised to 1. */
interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/**
 * The two K-weighting stages (pre-filter high shelf, RLB high-pass) designed
 * for any sample rate from the analogue prototype parameters, as libebur128
 * does; at 48 kHz they reproduce the coefficients tabled in BS.1770-4.
 */
export function kWeightingFilters(sampleRate: number): [Biquad, Biquad] {
  // Stage 1: high shelf, +4 dB above ~1.7 kHz (head acoustics).
  let f0 = 1681.974450955533;
  const G = 3.999843853973347;
  let Q = 0.7071752369554196;
  let K = Math.tan((Math.PI * f0) / sampleRate);
  const Vh = 10 ** (G / 20);
  const Vb = Vh ** 0.4996667741545416;
  let a0 = 1 + K / Q + K * K;
  const shelf: Biquad = {
    b0: (Vh + (Vb * K) / Q + K * K) / a0,
    b1: (2 * (K * K - Vh)) / a0,
    b2: (Vh - (Vb * K) / Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
  // Stage 2: RLB high-pass at ~38 Hz.
  f0 = 38.13547087602444;
  Q = 0.5003270373238773;
  K = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + K / Q + K * K;
  const highpass: Biquad = { b0: 1, b1: -2, b2: 1, a1: (2 * (K * K - 1)) / a0, a2: (1 - K / Q + K * K) / a0 };
  return [shelf, highpass];
}

/**
 * BS.1770 channel weights G_i. Six channels are taken as 5.1 in WAV/SMPTE
 * order (L R C LFE Ls Rs): surrounds +1.5 dB (1.41), LFE excluded. Any other
 * layout weighs every channel 1.
 */
export function channelWeights(channels: number): number[] {
  if (channels === 6) return [1, 1, 1, 0, 1.41, 1.41];
  return new Array(channels).fill(1);
}

export interface LoudnessResult {
  /** Gated integrated loudness, LUFS; −70 (the absolute gate) when nothing passes the gate. */
  integratedLufs: number;
  /** EBU Tech 3342 loudness range, LU (0 for clips shorter than 3 s). */
  loudnessRangeLu: number;
  /** Highest short-term (3 s) loudness, LUFS. */
  maxShortTermLufs: number;
  /** Highest absolute sample value over all channels, dBFS. */
  samplePeakDbfs: number;
  /** Sample peak over the RMS of all (unweighted) channel samples, dB. */
  crestFactorDb: number;
  /** Number of 400 ms gating blocks that passed both gates. */
  gatedBlocks: number;
}

const ABSOLUTE_GATE = -70;
const LOUDNESS_FLOOR = -70;
const toLufs = (power: number): number => (power > 0 ? -0.691 + 10 * Math.log10(power) : Number.NEGATIVE_INFINITY);

/**
 * Streaming loudness meter.
 *
 * Method (ITU-R BS.1770-4): K-weight each channel (two biquads), take the
 * mean square z_i of each 400 ms block with 75 % overlap, block loudness
 * l = −0.691 + 10·log10 Σ G_i z_i; integrated loudness is the power mean of
 * blocks above −70 LUFS and above (that mean − 10 LU). Loudness range (EBU
 * Tech 3342): 3 s short-term loudness every 100 ms, gated at −70 LUFS and
 * (power mean − 20 LU); LRA = P95 − P10.
 *
 * Both are built from 100 ms sub-block energies, so memory is
 * O(duration / 100 ms) (≈ 36 000 floats per hour) and time O(samples·channels).
 */
export class LoudnessMeter {
  readonly sampleRate: number;
  private readonly filters: [Biquad, Biquad];
  private state: Float64Array[] = [];
  private weights: number[] = [];
  private subEnergy = new Float32Column(1024);
  private subSamples = new Float32Column(1024);
  private acc = 0;
  private accCount = 0;
  private total = 0;
  private peak = 0;
  /** Per-channel Σx², accumulated in sample order so any blocking gives the same sum. */
  private sumSquares: number[] = [];
  private power = new Float64Array(0);

  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
    this.filters = kWeightingFilters(sampleRate);
  }

  /** Sample index at which 100 ms sub-block `k` ends. */
  private boundary(k: number): number {
    return Math.round(((k + 1) * this.sampleRate) / 10);
  }

  /** The stereo case of push's filter loop (see there). */
  private filterStereo(left: Float32Array, right: Float32Array, n: number): void {
    const [s1, s2] = this.filters;
    const power = this.power;
    const gl = this.weights[0];
    const gr = this.weights[1];
    const sl = this.state[0];
    const sr = this.state[1];
    let lx1 = sl[0],
      lx2 = sl[1],
      ly1 = sl[2],
      ly2 = sl[3],
      lz1 = sl[4],
      lz2 = sl[5];
    let rx1 = sr[0],
      rx2 = sr[1],
      ry1 = sr[2],
      ry2 = sr[3],
      rz1 = sr[4],
      rz2 = sr[5];
    let peak = this.peak;
    let lsq = this.sumSquares[0];
    let rsq = this.sumSquares[1];
    for (let i = 0; i < n; i++) {
      const v = left[i];
      const u = right[i];
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
      const b = u < 0 ? -u : u;
      if (b > peak) peak = b;
      lsq += v * v;
      rsq += u * u;
      const ly = s1.b0 * v + s1.b1 * lx1 + s1.b2 * lx2 - s1.a1 * ly1 - s1.a2 * ly2;
      const ry = s1.b0 * u + s1.b1 * rx1 + s1.b2 * rx2 - s1.a1 * ry1 - s1.a2 * ry2;
      lx2 = lx1;
      lx1 = v;
      rx2 = rx1;
      rx1 = u;
      const lw = ly - s2.a1 * lz1 - s2.a2 * lz2;
      const rw = ry - s2.a1 * rz1 - s2.a2 * rz2;
      const lo = lw - 2 * lz1 + lz2;
      const ro = rw - 2 * rz1 + rz2;
      lz2 = lz1;
      lz1 = lw;
      rz2 = rz1;
      rz1 = rw;
      ly2 = ly1;
      ly1 = ly;
      ry2 = ry1;
      ry1 = ry;
      let p = power[i];
      if (gl !== 0) p += gl * lo * lo;
      if (gr !== 0) p += gr * ro * ro;
      power[i] = p;
    }
    this.peak = peak;
    this.sumSquares[0] = lsq;
    this.sumSquares[1] = rsq;
    sl[0] = lx1;
    sl[1] = lx2;
    sl[2] = ly1;
    sl[3] = ly2;
    sl[4] = lz1;
    sl[5] = lz2;
    sr[0] = rx1;
    sr[1] = rx2;
    sr[2] = ry1;
    sr[3] = ry2;
    sr[4] = rz1;
    sr[5] = rz2;
  }

  /** Feed one block: one Float32Array per channel, all the same length. */
  push(channels: readonly Float32Array[]): void {
    const nch = channels.length;
    if (nch === 0) return;
    const n = channels[0].length;
    if (this.weights.length !== nch) {
      this.weights = channelWeights(nch);
      while (this.state.length < nch) this.state.push(new Float64Array(6));
    }
    const [s1, s2] = this.filters;
    // Per-sample weighted power, computed channel by channel into a reused
    // scratch buffer so that each channel's filter loop stays tight.
    if (this.power.length < n) this.power = new Float64Array(n);
    const power = this.power;
    power.fill(0, 0, n);
    while (this.sumSquares.length < nch) this.sumSquares.push(0);
    // Stereo, the common case, filters both channels in one loop: each
    // channel's recursion is latency-bound, so two independent ones overlap.
    // The operations per channel and the order of the power sum are those
    // of the per-channel loop, so the result is bit-identical.
    if (nch === 2) this.filterStereo(channels[0], channels[1], n);
    else {
      for (let c = 0; c < nch; c++) {
        const g = this.weights[c];
        const x = channels[c];
        const st = this.state[c];
        let x1 = st[0];
        let x2 = st[1];
        let y1 = st[2];
        let y2 = st[3];
        let z1 = st[4];
        let z2 = st[5];
        let peak = this.peak;
        let sq = this.sumSquares[c];
        for (let i = 0; i < n; i++) {
          const v = x[i];
          const a = v < 0 ? -v : v;
          if (a > peak) peak = a;
          sq += v * v;
          const y = s1.b0 * v + s1.b1 * x1 + s1.b2 * x2 - s1.a1 * y1 - s1.a2 * y2;
          x2 = x1;
          x1 = v;
          // Direct form II for the high-pass (b = 1, −2, 1).
          const w = y - s2.a1 * z1 - s2.a2 * z2;
          const out = w - 2 * z1 + z2;
          z2 = z1;
          z1 = w;
          y2 = y1;
          y1 = y;
          if (g !== 0) power[i] += g * out * out;
        }
        this.peak = peak;
        this.sumSquares[c] = sq;
        st[0] = x1;
        st[1] = x2;
        st[2] = y1;
        st[3] = y2;
        st[4] = z1;
        st[5] = z2;
      }
    }
    let i = 0;
    while (i < n) {
      const end = this.boundary(this.subEnergy.length);
      const take = Math.min(n - i, end - (this.total + i));
      let s = this.acc;
      for (let k = 0; k < take; k++) s += power[i + k];
      this.acc = s;
      this.accCount += take;
      i += take;
      if (this.total + i === end) {
        this.subEnergy.push(this.acc);
        this.subSamples.push(this.accCount);
        this.acc = 0;
        this.accCount = 0;
      }
    }
    this.total += n;
  }

  /** Integrated loudness, loudness range, peak and crest factor so far. */
  result(): LoudnessResult {
    const e = this.subEnergy.view();
    const c = this.subSamples.view();
    const windowPowers = (len: number): number[] => {
      const out: number[] = [];
      for (let k = 0; k + len <= e.length; k++) {
        let s = 0;
        let m = 0;
        for (let j = 0; j < len; j++) {
          s += e[k + j];
          m += c[k + j];
        }
        out.push(s / m);
      }
      return out;
    };
    let blocks = windowPowers(4);
    if (blocks.length === 0 && this.total > 0) {
      // Shorter than one 400 ms block: fall back to the whole clip as one block.
      let s = this.acc;
      for (let k = 0; k < e.length; k++) s += e[k];
      blocks = [s / this.total];
    }
    const gate = (powers: number[], relativeLu: number): number[] => {
      const abs = powers.filter((p) => toLufs(p) > ABSOLUTE_GATE);
      if (!abs.length) return [];
      const rel = toLufs(abs.reduce((a, b) => a + b, 0) / abs.length) - relativeLu;
      return abs.filter((p) => toLufs(p) > rel);
    };
    const gated = gate(blocks, 10);
    const integrated = gated.length ? toLufs(gated.reduce((a, b) => a + b, 0) / gated.length) : LOUDNESS_FLOOR;

    const shortTerm = windowPowers(30);
    let lra = 0;
    let maxShort = LOUDNESS_FLOOR;
    for (const p of shortTerm) maxShort = Math.max(maxShort, toLufs(p));
    if (!shortTerm.length && blocks.length) maxShort = Math.max(LOUDNESS_FLOOR, toLufs(Math.max(...blocks)));
    const stGated = gate(shortTerm, 20)
      .map(toLufs)
      .sort((a, b) => a - b);
    if (stGated.length >= 2) {
      const q = (p: number): number => {
        const pos = (p / 100) * (stGated.length - 1);
        const lo = Math.floor(pos);
        const hi = Math.min(stGated.length - 1, lo + 1);
        return stGated[lo] + (stGated[hi] - stGated[lo]) * (pos - lo);
      };
      lra = q(95) - q(10);
    }
    const nch = Math.max(1, this.sumSquares.length);
    const rms = this.total ? Math.sqrt(this.sumSquares.reduce((a, b) => a + b, 0) / nch / this.total) : 0;
    const peakDb = this.peak > 0 ? 20 * Math.log10(this.peak) : -200;
    return {
      integratedLufs: Math.max(LOUDNESS_FLOOR, integrated),
      loudnessRangeLu: lra,
      maxShortTermLufs: maxShort,
      samplePeakDbfs: peakDb,
      crestFactorDb: rms > 0 ? peakDb - 20 * Math.log10(rms) : 0,
      gatedBlocks: gated.length,
    };
  }

  /** Largest absolute sample seen so far (linear). */
  get peakLinear(): number {
    return this.peak;
  }

  /** Samples per channel seen so far. */
  get samples(): number {
    return this.total;
  }
}

/**
 * One-shot BS.1770-4 integrated loudness and EBU R128 LRA of in-memory
 * channels. Complexity O(samples·channels).
 *
 * @example integratedLoudness([left, right], 48000).integratedLufs // −23.0 for the EBU 3341 case-1 sine
 */
export function integratedLoudness(channels: readonly Float32Array[], sampleRate: number): LoudnessResult {
  const m = new LoudnessMeter(sampleRate);
  m.push(channels);
  return m.result();
}
