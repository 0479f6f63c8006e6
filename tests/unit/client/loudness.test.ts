import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyLoudness, elementVolume, LIMITER, linearGain } from '@/lib/client/loudness';

describe('loudness gain', () => {
  it('converts dB to amplitude (hand-worked: ±6 dB ≈ ×1.995 / ×0.501, +12 dB ≈ ×3.981)', () => {
    expect(linearGain(0)).toBe(1);
    expect(linearGain(6)).toBeCloseTo(1.99526, 5);
    expect(linearGain(-6)).toBeCloseTo(0.50119, 5);
    expect(linearGain(12)).toBeCloseTo(3.98107, 5);
  });

  it('clamps to [−24, +12] dB and treats a non-finite gain as 0 dB', () => {
    expect(linearGain(30)).toBeCloseTo(3.98107, 5);
    expect(linearGain(-60)).toBeCloseTo(0.063096, 6);
    expect(linearGain(Number.NaN)).toBe(1);
    expect(linearGain(Number.POSITIVE_INFINITY)).toBe(1);
  });

  it('the element-volume fallback can only cut', () => {
    expect(elementVolume(6)).toBe(1);
    expect(elementVolume(-6)).toBeCloseTo(0.50119, 5);
  });
});

class FakeParam {
  value = 0;
}
class FakeNode {
  connected: FakeNode[] = [];
  connect(next: FakeNode) {
    this.connected.push(next);
    return next;
  }
}
class FakeGain extends FakeNode {
  gain = new FakeParam();
}
class FakeCompressor extends FakeNode {
  threshold = new FakeParam();
  knee = new FakeParam();
  ratio = new FakeParam();
  attack = new FakeParam();
  release = new FakeParam();
}
const sources: unknown[] = [];
const gains: FakeGain[] = [];
const limiters: FakeCompressor[] = [];
class FakeContext {
  state = 'running';
  destination = new FakeNode();
  createMediaElementSource(el: unknown) {
    sources.push(el);
    return new FakeNode();
  }
  createGain() {
    const g = new FakeGain();
    gains.push(g);
    return g;
  }
  createDynamicsCompressor() {
    const c = new FakeCompressor();
    limiters.push(c);
    return c;
  }
  resume() {
    return Promise.resolve();
  }
}

describe('applyLoudness', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('before any user gesture: the element plays on its own, cut through volume only', () => {
    vi.stubGlobal('navigator', { userActivation: { hasBeenActive: false } });
    vi.stubGlobal('window', { AudioContext: FakeContext });
    const quiet = { volume: 1 } as HTMLMediaElement;
    const loud = { volume: 1 } as HTMLMediaElement;
    applyLoudness(quiet, 9);
    applyLoudness(loud, -6);
    expect(quiet.volume).toBe(1);
    expect(loud.volume).toBeCloseTo(0.50119, 5);
    expect(sources).toEqual([]);
  });

  it('after a gesture: one Web Audio chain per element (gain → limiter → output) that boosts as well as cuts', () => {
    vi.stubGlobal('navigator', { userActivation: { hasBeenActive: true } });
    vi.stubGlobal('window', { AudioContext: FakeContext });
    const el = { volume: 0.3 } as HTMLMediaElement;
    applyLoudness(el, 6);
    expect(sources).toEqual([el]);
    expect(el.volume).toBe(1);
    expect(gains.at(-1)!.gain.value).toBeCloseTo(1.99526, 5);
    expect(gains.at(-1)!.connected).toEqual([limiters.at(-1)]);
    expect(limiters.at(-1)!.threshold.value).toBe(LIMITER.threshold);
    expect(limiters.at(-1)!.ratio.value).toBe(LIMITER.ratio);
    // The same element again (its next play): the chain is reused, only the gain changes.
    applyLoudness(el, -12);
    expect(sources).toEqual([el]);
    expect(gains.at(-1)!.gain.value).toBeCloseTo(0.25119, 5);
  });
});
