import { AwsClient } from 'aws4fetch';
import { AppError } from '@/lib/errors';
import type { AudioStore, ByteSource } from './audio-store';

export interface S3Config {
  /** e.g. https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000 (MinIO); path-style addressing. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Key prefix inside the bucket, e.g. "chorus/audio/". */
  prefix?: string;
}

/** Ranged reads are fetched in chunks this big, so a streaming decoder makes few requests. */
const CHUNK = 4 * 1024 * 1024;

/**
 * Audio in an S3-compatible object store (AWS S3, MinIO, R2, …), signed with SigV4 by aws4fetch.
 * Keys are the same content-hash keys as the local store.
 */
export class S3AudioStore implements AudioStore {
  private readonly client: AwsClient;

  constructor(private readonly config: S3Config) {
    this.client = new AwsClient({
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      region: config.region,
      service: 's3',
    });
  }

  private url(key: string): string {
    const base = this.config.endpoint.replace(/\/+$/, '');
    const path = `${this.config.prefix ?? ''}${key}`.split('/').map(encodeURIComponent).join('/');
    return `${base}/${encodeURIComponent(this.config.bucket)}/${path}`;
  }

  private async call(method: string, key: string, init: { body?: Uint8Array; headers?: Record<string, string> } = {}): Promise<Response> {
    let response: Response;
    try {
      response = await this.client.fetch(this.url(key), { method, body: init.body as BodyInit | undefined, headers: init.headers });
    } catch (err) {
      throw new AppError('INTERNAL', `The object store at ${this.config.endpoint} is unreachable: ${(err as Error).message}`);
    }
    if (response.status === 404) throw new AppError('NOT_FOUND', 'The audio file is gone');
    if (!response.ok && response.status !== 206) {
      const text = await response.text().catch(() => '');
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? String(response.status);
      if (code === 'EntityTooLarge' || code === 'QuotaExceeded') throw new AppError('PAYLOAD_TOO_LARGE', `The object store refused the file (${code})`);
      throw new AppError('INTERNAL', `The object store answered ${response.status} ${code} for ${method} ${key}`);
    }
    return response;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.call('PUT', key, { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  }

  async get(key: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.call('GET', key)).arrayBuffer());
  }

  async size(key: string): Promise<number> {
    const response = await this.call('HEAD', key);
    return Number(response.headers.get('content-length') ?? 0);
  }

  stream(key: string, range?: { start: number; end: number }): ReadableStream<Uint8Array> {
    const call = this.call('GET', key, range ? { headers: { range: `bytes=${range.start}-${range.end}` } } : {});
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        reader ??= (await call).body!.getReader();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await reader?.cancel();
      },
    });
  }

  async delete(key: string): Promise<void> {
    try {
      await this.call('DELETE', key);
    } catch (err) {
      if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
    }
  }

  async openSource(key: string): Promise<ByteSource> {
    const size = await this.size(key);
    const cache = new Map<number, Promise<Uint8Array>>();
    const chunk = (index: number) => {
      let hit = cache.get(index);
      if (!hit) {
        const start = index * CHUNK;
        hit = this.call('GET', key, { headers: { range: `bytes=${start}-${Math.min(size, start + CHUNK) - 1}` } }).then(
          async (r) => new Uint8Array(await r.arrayBuffer()),
        );
        // A streaming decoder moves forward: keep only the two most recent chunks.
        cache.set(index, hit);
        for (const k of cache.keys()) if (k < index - 1) cache.delete(k);
      }
      return hit;
    };
    return {
      size,
      async read(offset: number, length: number) {
        const end = Math.min(size, offset + length);
        if (offset >= end) return new Uint8Array(0);
        const out = new Uint8Array(end - offset);
        for (let i = Math.floor(offset / CHUNK); i * CHUNK < end; i++) {
          const bytes = await chunk(i);
          const from = Math.max(offset, i * CHUNK);
          const to = Math.min(end, i * CHUNK + bytes.length);
          out.set(bytes.subarray(from - i * CHUNK, to - i * CHUNK), from - offset);
        }
        return out;
      },
      close: async () => cache.clear(),
    };
  }
}
