import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildState } from '../../scripts/build-freshness.mjs';

export const E2E_PASSWORD = 'e2e-demo-password';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

let child: ChildProcess | undefined;
let dataDir: string | undefined;

/**
 * Global setup for the e2e project: builds the app when the build is missing or older than the
 * sources (a stale build would test old code), then serves the production build on a free
 * loopback port with a fresh embedded database and demo data.
 */
export async function setup(project: TestProject): Promise<void> {
  const root = process.cwd();
  if (buildState(root) !== 'fresh' || process.env.CHORUS_E2E_REBUILD === '1') {
    const build = spawnSync('npx', ['next', 'build'], { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    if (build.status !== 0) throw new Error('next build failed');
  }
  const port = await freePort();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-e2e-'));
  const log = fs.createWriteStream(path.join(dataDir, 'server.log'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    CHORUS_DATA_DIR: dataDir,
    CHORUS_AUDIO_DIR: path.join(dataDir, 'audio'),
    CHORUS_DEMO: '1',
    CHORUS_DEMO_CLIPS: '12',
    CHORUS_DEMO_PASSWORD: E2E_PASSWORD,
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
    NEXTAUTH_SECRET: 'e2e-secret-0123456789abcdef',
    // The tests stand in for a reverse proxy on loopback: their X-Forwarded-For picks the client IP.
    CHORUS_TRUSTED_PROXIES: '127.0.0.1,::1',
  };
  delete env.DATABASE_URL;
  child = spawn(process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-p', String(port), '-H', '127.0.0.1'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/api/health`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      throw new Error(`the app did not start; log: ${fs.readFileSync(path.join(dataDir, 'server.log'), 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  project.provide('baseUrl', base);
}

export async function teardown(): Promise<void> {
  child?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
