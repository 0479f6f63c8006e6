#!/usr/bin/env node
// `npm run test:security`: the security suite alone, with a longer fuzz run than `npm test`
// (CHORUS_FUZZ_COUNT, default 2000 inputs per fuzzer), on every database and in Chromium when
// they are here. Extra arguments go to vitest.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', CHORUS_FUZZ_COUNT: process.env.CHORUS_FUZZ_COUNT ?? '2000' };
const pgUrl = env.CHORUS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const { hostname, port } = new URL(pgUrl);
const up = await new Promise((resolve) => {
  const socket = net.connect({ host: hostname, port: Number(port || 5432) });
  socket.setTimeout(1500);
  socket.on('connect', () => (socket.destroy(), resolve(true)));
  socket.on('error', () => resolve(false));
  socket.on('timeout', () => (socket.destroy(), resolve(false)));
});
if (up) env.CHORUS_TEST_POSTGRES_URL = pgUrl;
else console.log(`(no PostgreSQL at ${pgUrl}: embedded database only)`);
if (env.CHORUS_E2E !== '0' && fs.existsSync(env.CHROMIUM_PATH ?? '/usr/bin/chromium')) env.CHORUS_E2E = '1';
else console.log('(no Chromium: browser checks skipped)');

const files = ['tests/unit/security', 'tests/integration/security', ...(env.CHORUS_E2E === '1' ? ['tests/e2e/security.e2e.ts'] : [])];
const r = spawnSync(process.execPath, [path.join('node_modules', 'vitest', 'vitest.mjs'), 'run', ...files, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
