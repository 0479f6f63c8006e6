/**
 * A private PostgreSQL 15 instance for the fault suite: its own data folder under /tmp and its
 * own loopback port, so stopping and restarting it disturbs no one else's tests on the
 * machine's shared cluster. Runs as the `postgres` system user (initdb refuses root).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * start/stop/kill are asynchronous on purpose: a scenario's clients and health poller keep running
 * (and timing) while PostgreSQL stops or starts. Done synchronously, they froze the suite's event
 * loop for seconds under load, so answers that arrived before the stop were timed after it.
 */
export interface PgCluster {
  adminUrl: string;
  port: number;
  dir: string;
  start(): Promise<void>;
  /** Fast shutdown: open connections are cut, as in a crash of the server or a failover. */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster and every backend of this instance at once: a crash; the next start runs WAL recovery. */
  kill(): Promise<void>;
  destroy(): void;
}

function asPostgres(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** As {@link asPostgres}, without blocking the event loop. */
export function runAsync(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => resolve({ ok: false, out: `${out}${err.message}` }));
    child.on('close', (code) => resolve({ ok: code === 0, out }));
  });
}

const asPostgresAsync = (cmd: string, args: string[]) => runAsync('runuser', ['-u', 'postgres', '--', cmd, ...args]);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Creates and starts the instance; throws with the reason when this machine cannot (no binaries, no `postgres` user). */
export function createPrivateCluster(port: number): PgCluster {
  if (!fs.existsSync(path.join(BIN, 'initdb'))) throw new Error(`no PostgreSQL 15 binaries in ${BIN}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-fault-pg-'));
  fs.chmodSync(dir, 0o700);
  const chown = spawnSync('chown', ['-R', 'postgres:postgres', dir]);
  if (chown.status !== 0) throw new Error(`cannot hand ${dir} to the postgres user`);
  const init = asPostgres(path.join(BIN, 'initdb'), ['-D', path.join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  if (!init.ok) throw new Error(`initdb failed: ${init.out.slice(-500)}`);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const startArgs = ['-D', path.join(dir, 'data'), '-o', opts, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start'];
  const cluster: PgCluster = {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async start() {
      const r = await asPostgresAsync(path.join(BIN, 'pg_ctl'), startArgs);
      if (!r.ok) throw new Error(`pg_ctl start failed: ${r.out.slice(-500)}`);
    },
    async stop() {
      const r = await asPostgresAsync(path.join(BIN, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'fast', '-w', '-t', '60', 'stop']);
      if (!r.ok) throw new Error(`pg_ctl stop failed: ${r.out.slice(-500)}`);
    },
    async kill() {
      const pidFile = path.join(dir, 'data', 'postmaster.pid');
      const postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (!Number.isInteger(postmaster) || postmaster <= 1) throw new Error(`no postmaster pid in ${pidFile}`);
      // Only this instance's processes: the postmaster and its children, by pid.
      const children = fs
        .readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return Number(fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]) === postmaster;
          } catch {
            return false;
          }
        })
        .map(Number);
      for (const pid of [postmaster, ...children]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      for (let i = 0; i < 100 && [postmaster, ...children].some(alive); i++) await pause(100);
    },
    destroy() {
      asPostgres(path.join(BIN, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  const first = asPostgres(path.join(BIN, 'pg_ctl'), startArgs);
  if (!first.ok) throw new Error(`pg_ctl start failed: ${first.out.slice(-500)}`);
  return cluster;
}
