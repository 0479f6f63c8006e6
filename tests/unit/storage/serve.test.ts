import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalAudioStore } from '@/lib/storage';
import { audioResponse } from '@/lib/storage/serve';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-serve-'));
const store = new LocalAudioStore(dir);
const key = `cd/${'cd'.repeat(32)}.wav`;
const bytes = new Uint8Array(100).map((_, i) => i);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('audio responses', () => {
  it('serves the whole file, a byte range, a suffix range, and refuses a range past the end', async () => {
    await store.put(key, bytes);
    const whole = await audioResponse(store, key, 'audio/wav', null);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe('100');
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(bytes);
    const part = await audioResponse(store, key, 'audio/wav', 'bytes=10-19');
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 10-19/100');
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([...bytes.subarray(10, 20)]);
    const suffix = await audioResponse(store, key, 'audio/wav', 'bytes=-5');
    expect([...new Uint8Array(await suffix.arrayBuffer())]).toEqual([95, 96, 97, 98, 99]);
    const past = await audioResponse(store, key, 'audio/wav', 'bytes=200-');
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */100');
  });
});
