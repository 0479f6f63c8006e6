import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { S3AudioStore } from '@/lib/storage/s3-store';

/** A minimal S3-compatible server: path-style objects in memory, Range GETs, and a check of each SigV4 header. */
const objects = new Map<string, Buffer>();
const seen: { method: string; url: string; authorization: string; contentSha: string; bodySha: string }[] = [];
let server: http.Server;
let endpoint: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({
        method: req.method!,
        url: req.url!,
        authorization: String(req.headers.authorization ?? ''),
        contentSha: String(req.headers['x-amz-content-sha256'] ?? ''),
        bodySha: createHash('sha256').update(body).digest('hex'),
      });
      const key = decodeURIComponent(req.url!);
      if (req.method === 'PUT') {
        objects.set(key, body);
        res.writeHead(200).end();
        return;
      }
      const object = objects.get(key);
      if (!object) {
        res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
        return;
      }
      if (req.method === 'DELETE') {
        objects.delete(key);
        res.writeHead(204).end();
        return;
      }
      const range = /bytes=(\d+)-(\d+)/.exec(String(req.headers.range ?? ''));
      if (range) {
        const part = object.subarray(Number(range[1]), Number(range[2]) + 1);
        res.writeHead(206, { 'content-length': part.length, 'content-range': `bytes ${range[1]}-${range[2]}/${object.length}` });
        res.end(req.method === 'HEAD' ? undefined : part);
        return;
      }
      res.writeHead(200, { 'content-length': object.length });
      res.end(req.method === 'HEAD' ? undefined : object);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('S3 audio store', () => {
  const key = `ab/${'ab'.repeat(32)}.wav`;
  const bytes = new Uint8Array(10 * 1024 * 1024 + 123).map((_, i) => (i * 7) & 255);

  it('puts, sizes, reads ranges across chunk borders, streams and deletes, signing every request', async () => {
    const store = new S3AudioStore({ endpoint, bucket: 'audio', region: 'eu-west-1', accessKeyId: 'AKIDTEST', secretAccessKey: 'secret', prefix: 'chorus/' });
    await store.put(key, bytes);
    expect(objects.get(`/audio/chorus/${key}`)?.length).toBe(bytes.length);
    expect(await store.size(key)).toBe(bytes.length);
    const source = await store.openSource(key);
    const across = await source.read(4 * 1024 * 1024 - 10, 20);
    expect([...across]).toEqual([...bytes.subarray(4 * 1024 * 1024 - 10, 4 * 1024 * 1024 + 10)]);
    const tail = await source.read(bytes.length - 5, 100);
    expect([...tail]).toEqual([...bytes.subarray(bytes.length - 5)]);
    await source.close();
    const streamed = new Uint8Array(await new Response(store.stream(key, { start: 100, end: 199 })).arrayBuffer());
    expect([...streamed]).toEqual([...bytes.subarray(100, 200)]);
    await store.delete(key);
    await expect(store.get(key)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const request of seen) {
      expect(request.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/s3\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
      );
      // The signed payload hash is the hash of the bytes sent, or S3's UNSIGNED-PAYLOAD (aws4fetch's choice for s3).
      expect(['UNSIGNED-PAYLOAD', request.bodySha]).toContain(request.contentSha);
    }
  });
});
