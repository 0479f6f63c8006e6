import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';
import { LocalAudioStore, type AudioStore } from './audio-store';
import { S3AudioStore } from './s3-store';

export * from './audio-store';
export { S3AudioStore } from './s3-store';

const holder = globalThis as unknown as { __chorusAudioStore?: AudioStore };

export function audioStore(): AudioStore {
  holder.__chorusAudioStore ??= createAudioStore();
  return holder.__chorusAudioStore;
}

export function setAudioStore(store: AudioStore | undefined): void {
  holder.__chorusAudioStore = store;
}

/** The local folder by default; an S3-compatible store when CHORUS_S3_ENDPOINT and CHORUS_S3_BUCKET are set. */
function createAudioStore(): AudioStore {
  const e = env();
  if (!e.CHORUS_S3_ENDPOINT && !e.CHORUS_S3_BUCKET) return new LocalAudioStore(e.audioDir);
  if (!e.CHORUS_S3_ENDPOINT || !e.CHORUS_S3_BUCKET || !e.CHORUS_S3_ACCESS_KEY_ID || !e.CHORUS_S3_SECRET_ACCESS_KEY) {
    throw new AppError(
      'INTERNAL',
      'The S3 audio store needs CHORUS_S3_ENDPOINT, CHORUS_S3_BUCKET, CHORUS_S3_ACCESS_KEY_ID and CHORUS_S3_SECRET_ACCESS_KEY',
    );
  }
  return new S3AudioStore({
    endpoint: e.CHORUS_S3_ENDPOINT,
    bucket: e.CHORUS_S3_BUCKET,
    region: e.CHORUS_S3_REGION,
    prefix: e.CHORUS_S3_PREFIX,
    accessKeyId: e.CHORUS_S3_ACCESS_KEY_ID,
    secretAccessKey: e.CHORUS_S3_SECRET_ACCESS_KEY,
  });
}
