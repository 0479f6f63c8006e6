#!/usr/bin/env node
// `npm start`: builds the app when the build is missing or older than the sources, then serves it.
// Without DATABASE_URL it runs on the embedded database in ./.data and seeds the demo catalog with
// its first hours' history (lib/demo/history.ts: CHORUS_DEMO_HISTORY and CHORUS_DEMO_CLIPS are set below).
// Every slow step of a first start (build, migrate, seed) says so as it happens: the build prints
// Next's own progress, the server prints migrate and seed (lib/boot.ts), and this script says when
// the first page can be opened.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { buildState } from './build-freshness.mjs';

const root = process.cwd();

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
// A first start shows every role a working project: the demo catalog with its first hours'
// history (lib/demo/history.ts), on a catalog large enough for a first model and open clips to
// spare. Only here: the e2e server and a bare `next start` keep the plain catalog.
env.CHORUS_DEMO_HISTORY ??= '1';
env.CHORUS_DEMO_CLIPS ??= '80';
const build = buildState(root);
const startedAt = Date.now();
const seconds = () => `${Math.round((Date.now() - startedAt) / 1000)} s`;
if (build !== 'fresh') {
  console.log(`Chorus: [1/3] building the app (${build === 'stale' ? 'changed sources' : 'first start: about 1–2 minutes'})…`);
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
    stdio: 'inherit',
    env,
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  console.log(`Chorus: [1/3] build done after ${seconds()}.`);
} else {
  console.log('Chorus: [1/3] the build is up to date.');
}

const port = process.env.PORT ?? '3000';
// next-auth warns on the first sign-in when NEXTAUTH_URL is unset; the port is known here.
if (!env.NEXTAUTH_URL) env.NEXTAUTH_URL = `http://localhost:${port}`;
console.log(`Chorus: [2/3] starting the server on http://localhost:${port} (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded database in ' + (process.env.CHORUS_DATA_DIR ?? './.data')})`);
const server = spawn(process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', port, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...env, NODE_ENV: 'production' },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));

// [3/3]: the server migrates and seeds before it answers; say when it does.
const base = `http://127.0.0.1:${port}`;
(async () => {
  const deadline = Date.now() + 10 * 60_000;
  let lastNote = Date.now();
  while (Date.now() < deadline && server.exitCode === null) {
    try {
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(30_000) });
      if (res.status < 500) {
        console.log(`Chorus: [3/3] ready after ${seconds()}: open ${env.NEXTAUTH_URL}`);
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() - lastNote > 15_000) {
      console.log(`Chorus: [3/3] still preparing the database and demo data (${seconds()} so far)…`);
      lastNote = Date.now();
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
})();
