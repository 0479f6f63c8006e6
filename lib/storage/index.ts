import { env } from '@/lib/env';
import { LocalAudioStore, type AudioStore } from './audio-store';

export * from './audio-store';

const holder = globalThis as unknown as { __chorusAudioStore?: AudioStore };

export function audioStore(): AudioStore {
  holder.__chorusAudioStore ??= new LocalAudioStore(env().audioDir);
  return holder.__chorusAudioStore;
}

export function setAudioStore(store: AudioStore | undefined): void {
  holder.__chorusAudioStore = store;
}
