#!/usr/bin/env node
// `npm test`: type-check, then every vitest suite this machine can run. The embedded-database
// suites always run; the PostgreSQL and browser suites run when their server / Chromium is here,
// and the summary says plainly which were skipped and how to enable them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
const skipped = [];

async function reachable(url) {
  try {
    const { hostname, port } = new URL(url);
    return await new Promise((resolve) => {
      const socket = net.connect({ host: hostname, port: Number(port || 5432) });
      socket.setTimeout(1500);
      socket.on('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
      socket.on('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
  } catch {
    return false;
  }
}

// On a developer's machine a missing PostgreSQL or Chromium skips those suites and says so. When
// they were asked for (CI, or the variable set by hand) a missing one fails the run instead: a
// silent skip would leave the concurrency tests running on PGlite alone, which serialises every query.
const required = (variable) => Boolean(env.CI) || Boolean(env[variable]);
const missing = [];

const pgUrl = env.CHORUS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (await reachable(pgUrl)) env.CHORUS_TEST_POSTGRES_URL = pgUrl;
else {
  const reason = `PostgreSQL suites: no server at ${pgUrl} (start one, or set CHORUS_TEST_POSTGRES_URL)`;
  if (required('CHORUS_TEST_POSTGRES_URL')) missing.push(reason);
  delete env.CHORUS_TEST_POSTGRES_URL;
  skipped.push(reason);
}

const chromium = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (env.CHORUS_E2E !== '0' && fs.existsSync(chromium)) env.CHORUS_E2E = '1';
else {
  const reason = `browser e2e suites: no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (env.CHORUS_E2E !== '0' && required('CHROMIUM_PATH')) missing.push(reason);
  env.CHORUS_E2E = '0';
  skipped.push(reason);
}

if (missing.length) {
  console.error(`\nRequired but missing (CI or the variable is set):\n${missing.map((s) => `  - ${s}`).join('\n')}`);
  process.exit(1);
}

console.log('\n== type check (tsc --noEmit)');
const tsc = spawnSync(process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'], { stdio: 'inherit', env });
const typeErrors = tsc.status === 0 ? 0 : 1;

console.log('\n== vitest');
const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-test-')), 'report.json');
const vitest = spawnSync(
  process.execPath,
  [path.join('node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: 'inherit', env },
);

let passed = 0;
let failed = 0;
let pending = 0;
try {
  const result = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed = result.numPassedTests;
  failed = result.numFailedTests;
  pending = result.numPendingTests + (result.numTodoTests ?? 0);
} catch {
  failed += 1;
}
if (typeErrors) {
  console.log('\nType check failed (see above).');
  failed += 1;
}
if (skipped.length) console.log(`\nSkipped on this machine:\n${skipped.map((s) => `  - ${s}`).join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
process.exit(failed > 0 || vitest.status !== 0 ? 1 : 0);
