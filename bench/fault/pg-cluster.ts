/**
 * A private PostgreSQL 15 instance for the fault suite: its own data folder under /tmp and its
 * own loopback port, so stopping and restarting it disturbs no one else's tests on the
 * machine's shared cluster. Runs as the `postgres` system user (initdb refuses root).
 */
import { spawnSync } from 'node:child_process';
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

export interface PgCluster {
  adminUrl: string;
  port: number;
  dir: string;
  start(): void;
  /** Fast shutdown: open connections are cut, as in a crash of the server or a failover. */
  stop(): void;
  /** SIGKILL to the postmaster and every backend of this instance at once: a crash; the next start runs WAL recovery. */
  kill(): void;
  destroy(): void;
}

function asPostgres(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

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
  const cluster: PgCluster = {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    start() {
      const r = asPostgres(path.join(BIN, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-o', opts, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
      if (!r.ok) throw new Error(`pg_ctl start failed: ${r.out.slice(-500)}`);
    },
    stop() {
      const r = asPostgres(path.join(BIN, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'fast', '-w', '-t', '60', 'stop']);
      if (!r.ok) throw new Error(`pg_ctl stop failed: ${r.out.slice(-500)}`);
    },
    kill() {
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
      for (let i = 0; i < 100 && [postmaster, ...children].some(alive); i++) spawnSync('sleep', ['0.1']);
    },
    destroy() {
      asPostgres(path.join(BIN, 'pg_ctl'), ['-D', path.join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}
