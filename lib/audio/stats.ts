/**
 * Small numeric helpers shared by the extractor: a growable Float32 column
 * for per-frame values (4 bytes per frame, so one hour at 43 frames/s is
 * ~0.6 MB per column), running moments, and percentiles.
 */

/** Append-only Float32 column that doubles its capacity as needed. */
export class Float32Column {
  private data: Float32Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Float32Array(Math.max(16, initialCapacity));
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** A view of the filled part (no copy; invalidated by the next push). */
  view(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * Running mean and population standard deviation (Welford 1962), numerically
 * stable in one pass. O(1) per value.
 */
export class RunningMoments {
  count = 0;
  private m = 0;
  private s = 0;

  push(v: number): void {
    this.count++;
    const d = v - this.m;
    this.m += d / this.count;
    this.s += d * (v - this.m);
  }

  get mean(): number {
    return this.count ? this.m : 0;
  }

  get std(): number {
    return this.count > 1 ? Math.sqrt(this.s / this.count) : 0;
  }
}

/**
 * Percentiles by linear interpolation between order statistics (the
 * "type 7" definition used by numpy and R's default). `qs` in [0, 100].
 * Complexity: O(n log n) for the sort of a copy.
 */
export function percentiles(values: ArrayLike<number>, qs: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) return qs.map(() => 0);
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return qs.map((q) => {
    const pos = (q / 100) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  });
}
