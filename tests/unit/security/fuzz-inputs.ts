/**
 * Deterministic fuzz inputs (mulberry32 from lib/util/random.ts, fixed seed) and a runner that
 * executes each case in a worker thread with a per-case time limit, restarting the worker after
 * a hang or a crash of the thread itself. Shared by the fuzz test and `npm run test:security`
 * (which raises the count with CHORUS_FUZZ_COUNT).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { encodeWav } from '@/lib/audio/wav';
import { createRng, type Rng } from '@/lib/util/random';

export type FuzzCase =
  | { kind: 'decode'; id: string; bytes: Uint8Array }
  | { kind: 'import'; id: string; bytes: Uint8Array; file: string; root: string };

export interface FuzzOutcome {
  id: string;
  result: 'decoded' | 'typed-error' | 'imported' | 'crash' | 'timeout' | 'worker-died';
  detail: string;
  shapeOk?: boolean;
  nonFinite?: number;
  entries?: { line: number; file: string }[];
  problems?: { line: number; error: string }[];
  ms?: number;
}

// ---------------------------------------------------------------- decoder inputs

const FIXTURES = path.join(process.cwd(), 'tests', 'fixtures', 'audio');

/** Real files to mutate: the audio fixtures (every format) plus WAVs made here, so the fuzz runs without them too. */
export function decoderSeeds(): { name: string; bytes: Uint8Array }[] {
  const seeds: { name: string; bytes: Uint8Array }[] = [];
  if (fs.existsSync(FIXTURES)) {
    for (const name of fs.readdirSync(FIXTURES).sort()) {
      if (!/\.(wav|mp3|flac|ogg|oga|opus)$/.test(name)) continue;
      const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, name)));
      if (bytes.length <= 64 * 1024) seeds.push({ name, bytes });
    }
  }
  const tone = (n: number, sr: number) => Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / sr) * 0.5);
  seeds.push({ name: 'made-mono-8k.wav', bytes: encodeWav([tone(4000, 8000)], 8000) });
  seeds.push({ name: 'made-stereo-22k.wav', bytes: encodeWav([tone(4410, 22050), tone(4410, 22050)], 22050) });
  return seeds;
}

const BOUNDARY_U32 = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const MAGICS = ['RIFF\0\0\0\0WAVE', 'RF64\xff\xff\xff\xffWAVE', 'fLaC', 'OggS\0\x02', 'ID3\x04\0\0', '\xff\xfb\x90\x64', '\xff\xf1', 'MThd', '%PDF-1.4'];

function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0) & 0xff);
}

function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)];
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rng() * 256);
  return out;
}

function find(b: Uint8Array, text: string, from = 0): number {
  const t = latin1(text);
  outer: for (let i = from; i <= b.length - t.length; i++) {
    for (let j = 0; j < t.length; j++) if (b[i + j] !== t[j]) continue outer;
    return i;
  }
  return -1;
}

function writeLE(b: Uint8Array, at: number, value: number, bytes: number): void {
  for (let k = 0; k < bytes && at + k < b.length; k++) b[at + k] = Math.floor(value / 2 ** (8 * k)) & 0xff;
}

function writeBE(b: Uint8Array, at: number, value: number, bytes: number): void {
  for (let k = 0; k < bytes && at + k < b.length; k++) b[at + k] = Math.floor(value / 2 ** (8 * (bytes - 1 - k))) & 0xff;
}

/** Offsets (and widths, endianness) of the header fields that decoders trust, per container. */
function headerFields(b: Uint8Array): { at: number; bytes: number; le: boolean }[] {
  const fields: { at: number; bytes: number; le: boolean }[] = [];
  const fmt = find(b, 'fmt ');
  if (fmt >= 0) {
    const body = fmt + 8;
    fields.push({ at: 4, bytes: 4, le: true }, { at: fmt + 4, bytes: 4, le: true });
    for (const [off, w] of [[0, 2], [2, 2], [4, 4], [8, 4], [12, 2], [14, 2]] as const) fields.push({ at: body + off, bytes: w, le: true });
    const data = find(b, 'data', fmt);
    if (data >= 0) fields.push({ at: data + 4, bytes: 4, le: true });
  }
  const flac = find(b, 'fLaC');
  if (flac >= 0) {
    const si = flac + 8;
    // block sizes, frame sizes, then the packed rate/channels/bits/total-samples field.
    for (const [off, w] of [[0, 2], [2, 2], [4, 3], [7, 3], [10, 4], [13, 5]] as const) fields.push({ at: si + off, bytes: w, le: false });
    fields.push({ at: flac + 4, bytes: 4, le: false });
  }
  const ogg = find(b, 'OggS');
  if (ogg >= 0) {
    for (const page of [ogg, find(b, 'OggS', ogg + 4)].filter((p) => p >= 0)) {
      for (const [off, w] of [[5, 1], [6, 8], [14, 4], [18, 4], [22, 4], [26, 1], [27, 1]] as const) fields.push({ at: page + off, bytes: w, le: true });
    }
  }
  const xing = Math.max(find(b, 'Xing'), find(b, 'Info'));
  if (xing >= 0) fields.push({ at: xing + 4, bytes: 4, le: false }, { at: xing + 8, bytes: 4, le: false }, { at: xing + 12, bytes: 4, le: false });
  for (let i = 0; i < Math.min(b.length - 1, 4096); i++) {
    if (b[i] === 0xff && (b[i + 1] & 0xe0) === 0xe0) {
      fields.push({ at: i + 1, bytes: 3, le: false });
      break;
    }
  }
  return fields;
}

const MUTATIONS = ['truncate', 'bitflip', 'overwrite', 'header', 'header', 'insert', 'splice', 'random', 'magic'] as const;

/** `count` mutated audio files, the same for the same seed. */
export function decoderCases(count: number, seed = 20240611): FuzzCase[] {
  const rng = createRng(seed);
  const seeds = decoderSeeds();
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const base = pick(rng, seeds);
    const mutation = MUTATIONS[i % MUTATIONS.length];
    let b: Uint8Array = base.bytes.slice();
    let what = '';
    switch (mutation) {
      case 'truncate': {
        const n = rng() < 0.3 ? int(rng, 0, Math.min(b.length, 128)) : int(rng, 0, b.length - 1);
        b = b.slice(0, n);
        what = `truncate@${n}`;
        break;
      }
      case 'bitflip': {
        const flips = int(rng, 1, 32);
        const headerBias = rng() < 0.5;
        for (let k = 0; k < flips; k++) {
          const at = headerBias ? int(rng, 0, Math.min(b.length - 1, 255)) : int(rng, 0, b.length - 1);
          b[at] ^= 1 << int(rng, 0, 7);
        }
        what = `bitflip×${flips}${headerBias ? ' (header)' : ''}`;
        break;
      }
      case 'overwrite': {
        const at = int(rng, 0, b.length - 1);
        const run = randomBytes(rng, int(rng, 1, 64));
        b.set(run.subarray(0, b.length - at), at);
        what = `overwrite@${at}+${run.length}`;
        break;
      }
      case 'header': {
        const fields = headerFields(b);
        const f = fields.length ? pick(rng, fields) : { at: int(rng, 0, Math.min(63, b.length - 1)), bytes: 4, le: true };
        const value = rng() < 0.7 ? pick(rng, BOUNDARY_U32) : Math.floor(rng() * 2 ** 32);
        (f.le ? writeLE : writeBE)(b, f.at, value, f.bytes);
        what = `header@${f.at}/${f.bytes}=${value.toString(16)}`;
        break;
      }
      case 'insert': {
        const at = int(rng, 0, b.length);
        const extra = randomBytes(rng, int(rng, 1, 512));
        const out = new Uint8Array(b.length + extra.length);
        out.set(b.subarray(0, at));
        out.set(extra, at);
        out.set(b.subarray(at), at + extra.length);
        b = out;
        what = `insert@${at}+${extra.length}`;
        break;
      }
      case 'splice': {
        const other = pick(rng, seeds).bytes;
        const cut = int(rng, 0, b.length);
        const from = int(rng, 0, other.length);
        const out = new Uint8Array(cut + other.length - from);
        out.set(b.subarray(0, cut));
        out.set(other.subarray(from), cut);
        b = out;
        what = `splice@${cut}+${other.length - from}`;
        break;
      }
      case 'random': {
        b = randomBytes(rng, int(rng, 0, 4096));
        what = `random ${b.length}`;
        break;
      }
      case 'magic': {
        const magic = latin1(pick(rng, MAGICS));
        const body = rng() < 0.5 ? randomBytes(rng, int(rng, 0, 8192)) : base.bytes.slice(int(rng, 0, base.bytes.length - 1));
        b = new Uint8Array(magic.length + body.length);
        b.set(magic);
        b.set(body, magic.length);
        what = `magic ${JSON.stringify(String.fromCharCode(...magic.subarray(0, 4)))} + ${body.length}`;
        break;
      }
    }
    cases.push({ kind: 'decode', id: `decode#${i} ${base.name} ${what}`, bytes: b });
  }
  return cases;
}

// ---------------------------------------------------------------- importer inputs

const HOSTILE_PATHS = [
  '../../etc/passwd',
  '/etc/passwd',
  'file:///etc/passwd',
  'file://evil.example/share/x.wav',
  'file:///etc/pa%00sswd',
  'a\u0000b.wav',
  'http://evil.example/x.wav',
  'ftp://x/y.wav',
  'sub/../../../x.wav',
  '..',
  '.',
  '',
  ' ',
  '%2e%2e/%2e%2e/etc/passwd',
  '..\\..\\windows\\win.ini',
  'C:\\Windows\\win.ini',
  '~/x.wav',
  'ok.wav',
  'sub/ok.wav',
  'x'.repeat(5000),
];
const HOSTILE_TEXT = [
  "'); drop table clips;--",
  '<script>alert(1)</script>',
  '=HYPERLINK("http://evil.example","x")',
  '+cmd|" /C calc"!A0',
  '"quoted, with comma"',
  'line\nbreak',
  'tab\tseparated',
  '\u202eRTL override',
  '😀 emoji',
  '\ud800 lone surrogate',
  'nul\u0000inside',
  'x'.repeat(400),
];

function csvCell(rng: Rng, value: string): string {
  const r = rng();
  if (r < 0.5) return `"${value.replace(/"/g, '""')}"`;
  if (r < 0.6) return `"${value}`; // unbalanced quote
  return value;
}

function randomJson(rng: Rng, depth: number): unknown {
  const r = rng();
  if (depth <= 0 || r < 0.3) return pick(rng, [null, true, 1.5, -0, 1e308, pick(rng, HOSTILE_TEXT), pick(rng, HOSTILE_PATHS)]);
  if (r < 0.6) return Array.from({ length: int(rng, 0, 3) }, () => randomJson(rng, depth - 1));
  const o: Record<string, unknown> = {};
  for (let k = int(rng, 0, 4); k > 0; k--) o[pick(rng, ['path', 'title', 'artist', 'licence', 'provenance', '__proto__', 'constructor', 'x'])] = randomJson(rng, depth - 1);
  return o;
}

function deepJson(levels: number): string {
  return `{"path":"ok.wav","provenance":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`;
}

/** `count` malformed catalogs (CSV and JSONL), the same for the same seed; files are written by the worker under `dir`. */
export function importerCases(count: number, dir: string, root: string, seed = 77): FuzzCase[] {
  const rng = createRng(seed);
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const jsonl = i % 2 === 1;
    const lines: string[] = [];
    let what: string;
    if (jsonl) {
      const style = i % 10;
      what = ['objects', 'random json', 'broken json', 'deep', 'huge line'][style % 5];
      const rows = int(rng, 0, 12);
      for (let r = 0; r < rows; r++) {
        if (style % 5 === 0) lines.push(JSON.stringify({ path: pick(rng, HOSTILE_PATHS), title: pick(rng, HOSTILE_TEXT), artist: pick(rng, HOSTILE_TEXT), provenance: randomJson(rng, 3) }));
        else if (style % 5 === 1) lines.push(JSON.stringify(randomJson(rng, 4)));
        else if (style % 5 === 2) lines.push(JSON.stringify({ path: pick(rng, HOSTILE_PATHS) }).slice(0, int(rng, 0, 30)));
        else if (style % 5 === 3) lines.push(rng() < 0.5 ? deepJson(int(rng, 30, 3000)) : `${'['.repeat(int(rng, 100, 5000))}`);
        else lines.push(JSON.stringify({ path: 'ok.wav', title: 'x'.repeat(int(rng, 1, 20_000)) }));
      }
    } else {
      const style = i % 10;
      what = ['hostile cells', 'no path column', 'ragged', 'binary', 'quotes'][Math.floor(style / 2) % 5];
      const header = style === 2 ? 'title,artist' : pick(rng, ['path,title,artist,licence,provenance', 'path', 'PATH,title', 'path,path,title', '\ufeffpath,title', 'path;title', '']);
      lines.push(header);
      for (let r = int(rng, 0, 12); r > 0; r--) {
        const cells = Array.from({ length: int(rng, 0, 7) }, (_, c) => csvCell(rng, c === 0 ? pick(rng, HOSTILE_PATHS) : pick(rng, HOSTILE_TEXT)));
        lines.push(cells.join(pick(rng, [',', ',', ',', ';', '\t'])));
      }
    }
    let bytes: Uint8Array = new TextEncoder().encode(lines.join(pick(rng, ['\n', '\r\n', '\r'])));
    if (!jsonl && i % 10 >= 6 && i % 10 < 8) {
      // Invalid UTF-8 and control bytes sprinkled in.
      bytes = bytes.slice();
      for (let k = int(rng, 1, 20); k > 0 && bytes.length; k--) bytes[int(rng, 0, bytes.length - 1)] = pick(rng, [0x00, 0xff, 0xfe, 0xc0, 0x80, 0x1b, 0x22, 0x0a]);
    }
    const file = path.join(dir, `fuzz-${i}.${jsonl ? 'jsonl' : 'csv'}`);
    cases.push({ kind: 'import', id: `import#${i} ${jsonl ? 'jsonl' : 'csv'} ${what}`, bytes, file, root });
  }
  return cases;
}

// ---------------------------------------------------------------- runner

/**
 * Runs cases one at a time in a worker thread; a case that does not answer within
 * `timeoutMs` is reported as a timeout and the worker is replaced.
 */
export async function runFuzz(cases: FuzzCase[], timeoutMs = 2000): Promise<FuzzOutcome[]> {
  const outcomes: FuzzOutcome[] = [];
  let worker: Worker | undefined;
  const spawn = async (): Promise<Worker> => {
    // A worker does not inherit the TypeScript loader: register tsx in it, then load the worker module.
    const entry = new URL('./fuzz-worker.ts', import.meta.url).href;
    const w = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (m.ready) {
          w.off('message', onMessage);
          resolve();
        }
      };
      w.on('message', onMessage);
      w.once('error', reject);
    });
    return w;
  };
  try {
    for (const c of cases) {
      worker ??= await spawn();
      const w = worker;
      const started = performance.now();
      const outcome = await new Promise<FuzzOutcome>((resolve) => {
        let armed: NodeJS.Timeout | undefined;
        const done = (o: FuzzOutcome) => {
          clearTimeout(armed);
          w.off('message', onMessage);
          w.off('error', onError);
          w.off('exit', onExit);
          resolve(o);
        };
        const onMessage = (m: FuzzOutcome | { started: string }) => {
          // The clock starts when the worker begins the case, not while it was still loading modules.
          if ('started' in m) armed = setTimeout(() => done({ id: c.id, result: 'timeout', detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
          else if (m.id === c.id) done(m);
        };
        const onError = (err: Error) => done({ id: c.id, result: 'worker-died', detail: String(err?.stack ?? err) });
        const onExit = (code: number) => done({ id: c.id, result: 'worker-died', detail: `worker exited with ${code}` });
        w.on('message', onMessage);
        w.on('error', onError);
        w.on('exit', onExit);
        w.postMessage(c);
      });
      outcome.ms = performance.now() - started;
      if (outcome.result === 'timeout' || outcome.result === 'worker-died') {
        await w.terminate().catch(() => {});
        worker = undefined;
      }
      outcomes.push(outcome);
    }
  } finally {
    await worker?.terminate();
  }
  return outcomes;
}
