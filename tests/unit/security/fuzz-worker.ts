/**
 * Runs one fuzz case at a time for tests/unit/security/fuzz.test.ts, in a worker thread so
 * the parent can terminate it when a case hangs (a synchronous loop in a decoder would
 * otherwise block the test's own timers). Reports an outcome per case; never throws.
 */
import fs from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import { decodeAudio } from '@/lib/audio/decode';
import { AUDIO_DECODE_REASONS, AudioDecodeError } from '@/lib/audio/errors';
import { readCatalog } from '@/lib/catalog/importer';
import type { FuzzCase, FuzzOutcome } from './fuzz-inputs';

const port = parentPort!;
// The wasm decoders print every damaged frame; the outcome says what matters.
console.error = () => {};
console.warn = () => {};
console.log = () => {};

async function runCase(c: FuzzCase): Promise<FuzzOutcome> {
  if (c.kind === 'decode') {
    try {
      const r = await decodeAudio(c.bytes, { maxDurationS: 120 });
      let nonFinite = 0;
      for (const ch of r.channelData) for (let i = 0; i < ch.length; i++) if (!Number.isFinite(ch[i])) nonFinite++;
      const shapeOk =
        r.channelData.length === r.channels && r.channels >= 1 && r.frames > 0 && r.channelData.every((ch) => ch.length === r.frames);
      return { id: c.id, result: 'decoded', detail: `${r.format} ${r.sampleRate} Hz ×${r.channels} ${r.frames} frames`, shapeOk, nonFinite };
    } catch (e) {
      if (e instanceof AudioDecodeError && (AUDIO_DECODE_REASONS as readonly string[]).includes(e.reason) && e.message.length > 10) {
        return { id: c.id, result: 'typed-error', detail: `${e.reason}: ${e.message}` };
      }
      return { id: c.id, result: 'crash', detail: `${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack?.split('\n').slice(0, 6).join('\n')}` };
    }
  }
  await fs.writeFile(c.file, c.bytes);
  try {
    const { entries, problems } = await readCatalog(c.file, c.root);
    return {
      id: c.id,
      result: 'imported',
      detail: `${entries.length} entries, ${problems.length} problems`,
      entries: entries.map((e) => ({ line: e.line, file: e.file })),
      problems,
    };
  } catch (e) {
    return { id: c.id, result: 'crash', detail: `${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack?.split('\n').slice(0, 6).join('\n')}` };
  } finally {
    await fs.rm(c.file, { force: true });
  }
}

port.on('message', (c: FuzzCase) => {
  port.postMessage({ started: c.id });
  void runCase(c).then((outcome) => port.postMessage(outcome));
});
port.postMessage({ ready: true });
