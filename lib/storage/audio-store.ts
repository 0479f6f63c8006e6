import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '@/lib/errors';

/**
 * Where raw audio lives. Keys are content hashes (`ab/abcdef….wav`), never user-supplied
 * names, so a hostile filename cannot escape the folder.
 */
export interface AudioStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array>;
  size(key: string): Promise<number>;
  /** A byte range [start, end] inclusive, for HTTP range requests. */
  stream(key: string, range?: { start: number; end: number }): ReadableStream<Uint8Array>;
  delete(key: string): Promise<void>;
  /** Random access for the streaming decoder, so a long file is never read into memory whole. */
  openSource(key: string): Promise<ByteSource>;
}

/** Structurally the decoder's `ByteSource` (lib/audio/decode.ts); storage does not import audio code. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

const KEY_PATTERN = /^[0-9a-f]{2}\/[0-9a-f]{64}\.[a-z0-9]{1,5}$/;

export function audioKey(sha256: string, extension: string): string {
  return `${sha256.slice(0, 2)}/${sha256}.${extension.toLowerCase()}`;
}

export class LocalAudioStore implements AudioStore {
  constructor(private readonly root: string) {}

  private resolve(key: string): string {
    if (!KEY_PATTERN.test(key)) throw new AppError('BAD_REQUEST', 'Invalid audio key');
    return path.join(this.root, key);
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const file = this.resolve(key);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    // Write then rename: a crash mid-write never leaves a truncated file under the real key.
    const tmp = `${file}.${process.pid}.${Date.now()}.part`;
    try {
      await fsp.writeFile(tmp, bytes);
      await fsp.rename(tmp, file);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        throw new AppError('PAYLOAD_TOO_LARGE', 'The audio store is out of disk space; the upload was not stored');
      }
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await fsp.readFile(this.resolve(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('NOT_FOUND', 'The audio file is gone');
      throw err;
    }
  }

  async size(key: string): Promise<number> {
    try {
      return (await fsp.stat(this.resolve(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('NOT_FOUND', 'The audio file is gone');
      throw err;
    }
  }

  stream(key: string, range?: { start: number; end: number }): ReadableStream<Uint8Array> {
    const nodeStream = fs.createReadStream(this.resolve(key), range);
    return new ReadableStream({
      start(controller) {
        nodeStream.on('data', (chunk) => controller.enqueue(new Uint8Array(chunk as Buffer)));
        nodeStream.on('end', () => controller.close());
        nodeStream.on('error', (err) => controller.error(err));
      },
      cancel() {
        nodeStream.destroy();
      },
    });
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.resolve(key), { force: true });
  }

  async openSource(key: string): Promise<ByteSource> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(this.resolve(key), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('NOT_FOUND', 'The audio file is gone');
      throw err;
    }
    const { size } = await handle.stat();
    return {
      size,
      async read(offset: number, length: number) {
        const buffer = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        return buffer.subarray(0, bytesRead);
      },
      close: () => handle.close(),
    };
  }
}
