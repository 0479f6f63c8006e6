'use client';

import { useEffect, type RefObject } from 'react';

/**
 * Loudness normalisation in the browser. Each clip carries a playback gain towards the target
 * loudness (lib/features/service.ts `playbackGainDb`: quiet clips up to +12 dB, loud ones down).
 * `el.volume` can only turn a clip down, so the gain runs through Web Audio: the element feeds a
 * GainNode (boost and cut) and a limiter (a DynamicsCompressorNode with a hard knee just under
 * full scale) so a boosted clip's peaks never clip.
 *
 * Browsers start an AudioContext suspended until the page has had a user gesture, and an element
 * routed into a suspended context is silent. So the graph is built only once the page has been
 * interacted with; before that (an autoplayed first clip) the element plays on its own with the
 * cut-only `el.volume` fallback.
 */

/** The gain range applied: the extractor caps the boost at +12 dB; a cut below −24 dB is a broken measurement. */
export const MIN_GAIN_DB = -24;
export const MAX_GAIN_DB = 12;

/** Linear amplitude factor for a gain in dB, clamped to the range above (0 dB for a non-finite input). */
export function linearGain(gainDb: number): number {
  if (!Number.isFinite(gainDb)) return 1;
  return Math.pow(10, Math.min(MAX_GAIN_DB, Math.max(MIN_GAIN_DB, gainDb)) / 20);
}

/** The fallback without Web Audio: HTMLMediaElement.volume is in [0, 1], so only a cut applies. */
export function elementVolume(gainDb: number): number {
  return Math.min(1, linearGain(gainDb));
}

/** Limiter settings: −1 dBFS ceiling, hard knee, fast attack (WebAudio DynamicsCompressorNode units). */
export const LIMITER = { threshold: -1, knee: 0, ratio: 20, attack: 0.003, release: 0.1 } as const;

interface Chain {
  gain: GainNode;
}

let context: AudioContext | null = null;
// createMediaElementSource may be called once per element: remember each element's chain.
const chains = new WeakMap<HTMLMediaElement, Chain>();

function sharedContext(): AudioContext | null {
  if (context) return context;
  const Ctor = typeof window !== 'undefined' ? window.AudioContext : undefined;
  if (!Ctor) return null;
  context = new Ctor();
  return context;
}

function hasUserActivation(): boolean {
  const activation = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } }).userActivation;
  // Without the API (older Safari), assume a gesture happened only once the context runs.
  return activation ? activation.hasBeenActive : context?.state === 'running';
}

function chainFor(el: HTMLMediaElement): Chain | null {
  const existing = chains.get(el);
  if (existing) return existing;
  if (!hasUserActivation()) return null;
  const ctx = sharedContext();
  if (!ctx) return null;
  const source = ctx.createMediaElementSource(el);
  const gain = ctx.createGain();
  const limiter = ctx.createDynamicsCompressor();
  limiter.threshold.value = LIMITER.threshold;
  limiter.knee.value = LIMITER.knee;
  limiter.ratio.value = LIMITER.ratio;
  limiter.attack.value = LIMITER.attack;
  limiter.release.value = LIMITER.release;
  source.connect(gain).connect(limiter).connect(ctx.destination);
  el.volume = 1;
  const chain = { gain };
  chains.set(el, chain);
  return chain;
}

/** Applies the clip's gain to the element (Web Audio once the page has had a gesture, `volume` before). */
export function applyLoudness(el: HTMLMediaElement, gainDb: number): void {
  const chain = chainFor(el);
  if (!chain) {
    el.volume = elementVolume(gainDb);
    return;
  }
  chain.gain.gain.value = linearGain(gainDb);
  if (context && context.state === 'suspended') void context.resume().catch(() => {});
}

/**
 * Keeps `audio`'s loudness at `gainDb`: applied now, and again when playback starts (the first
 * play after a gesture moves the element into the Web Audio graph). `src` re-applies it when the
 * screen swaps the element or its clip.
 */
export function useLoudness(audio: RefObject<HTMLMediaElement | null>, gainDb: number, src: string | null): void {
  useEffect(() => {
    const el = audio.current;
    if (!el) return;
    applyLoudness(el, gainDb);
    const onPlay = () => applyLoudness(el, gainDb);
    el.addEventListener('play', onPlay);
    return () => el.removeEventListener('play', onPlay);
  }, [audio, gainDb, src]);
}
