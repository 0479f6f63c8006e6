import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { createHash, createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { S3AudioStore } from '@/lib/storage/s3-store';

const SECRET = 'secret';

/**
 * AWS Signature Version 4, written out from the AWS specification (not from aws4fetch) so the
 * fake server below can check each request's signature: the canonical request, the string to
 * sign, and the HMAC chain secret → date → region → service → "aws4_request".
 */
function sigV4Signature(
  request: { method: string; path: string; query: string; headers: Record<string, string>; signedHeaders: string[]; payloadHash: string },
  scope: { secret: string; amzDate: string; region: string; service: string },
): string {
  const sha = (x: string) => createHash('sha256').update(x).digest('hex');
  const hmac = (key: string | Buffer, x: string) => createHmac('sha256', key).update(x).digest();
  const query = request.query
    .split('&')
    .filter(Boolean)
    .sort()
    .join('&');
  const headers = request.signedHeaders.map((h) => `${h}:${request.headers[h].trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [request.method, request.path, query, headers, request.signedHeaders.join(';'), request.payloadHash].join('\n');
  const day = scope.amzDate.slice(0, 8);
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', scope.amzDate, credentialScope, sha(canonical)].join('\n');
  let key = hmac(`AWS4${scope.secret}`, day);
  for (const part of [scope.region, scope.service, 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(toSign).digest('hex');
}

/** Whether a request's Authorization header carries the signature `secret` gives for it. */
function signatureMatches(req: http.IncomingMessage, secret: string): boolean {
  const auth = /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
    String(req.headers.authorization ?? ''),
  );
  if (!auth) return false;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (amzDate.slice(0, 8) !== auth[1]) return false;
  const [path, query = ''] = req.url!.split('?');
  const expected = sigV4Signature(
    {
      method: req.method!,
      path,
      query,
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      signedHeaders: auth[4].split(';'),
      payloadHash: String(req.headers['x-amz-content-sha256'] ?? ''),
    },
    { secret, amzDate, region: auth[2], service: auth[3] },
  );
  return expected === auth[5];
}

/** A minimal S3-compatible server: path-style objects in memory, Range GETs, and a check of each SigV4 signature. */
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
      if (!signatureMatches(req, SECRET)) {
        res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>SignatureDoesNotMatch</Code></Error>');
        return;
      }
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

describe('the test server\'s SigV4 check', () => {
  it('reproduces the signature AWS publishes for its GET Object example (S3 docs, "Transferring payload in a single chunk")', () => {
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const signature = sigV4Signature(
      {
        method: 'GET',
        path: '/test.txt',
        query: '',
        headers: { host: 'examplebucket.s3.amazonaws.com', range: 'bytes=0-9', 'x-amz-content-sha256': empty, 'x-amz-date': '20130524T000000Z' },
        signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
        payloadHash: empty,
      },
      { secret: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', amzDate: '20130524T000000Z', region: 'us-east-1', service: 's3' },
    );
    expect(signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });
});

describe('S3 audio store', () => {
  const key = `ab/${'ab'.repeat(32)}.wav`;
  const bytes = new Uint8Array(10 * 1024 * 1024 + 123).map((_, i) => (i * 7) & 255);

  it('puts, sizes, reads ranges across chunk borders, streams and deletes, signing every request', async () => {
    const store = new S3AudioStore({ endpoint, bucket: 'audio', region: 'eu-west-1', accessKeyId: 'AKIDTEST', secretAccessKey: SECRET, prefix: 'chorus/' });
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
    // Every request above passed the server's signature check (it answers 403 otherwise).
    expect(seen.length).toBeGreaterThan(5);
  });

  it('a request signed with another secret is refused by the server\'s check, and the store says so', async () => {
    const wrong = new S3AudioStore({ endpoint, bucket: 'audio', region: 'eu-west-1', accessKeyId: 'AKIDTEST', secretAccessKey: 'not-the-secret' });
    await expect(wrong.put('x.wav', new Uint8Array(8))).rejects.toThrow(/403 SignatureDoesNotMatch/);
  });
});
