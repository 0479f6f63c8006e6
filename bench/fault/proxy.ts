/**
 * A TCP proxy for the fault suite (node:net, loopback only) that can slow down and partition the
 * link between the web server and PostgreSQL.
 *
 * - `pass`: bytes go through as they come.
 * - `delay`: every chunk, in both directions, is held `ms` before it is forwarded (order kept),
 *   like a link with that one-way latency.
 * - `partition`: nothing goes through, and nothing is lost. A real partition drops packets and
 *   TCP retransmits them once the link heals (a 10 s partition is well inside TCP's retry budget),
 *   so the byte streams are held here and delivered on heal; dropping bytes in a userland proxy
 *   would corrupt the protocol stream instead, which no real network does. A connection opened
 *   during the partition is accepted but reaches PostgreSQL only on heal, as a SYN retransmitted
 *   past the partition would: the client's connect timeout decides what it sees meanwhile.
 */
import net from 'node:net';

export type ProxyMode = { kind: 'pass' } | { kind: 'delay'; ms: number } | { kind: 'partition' };

export interface FaultProxy {
  port: number;
  /** Connections accepted since the start. */
  readonly accepted: number;
  set(mode: ProxyMode): void;
  close(): Promise<void>;
}

/** One direction of one connection: chunks released in order, each no earlier than its due time. */
class Pipe {
  private queue: { due: number; chunk: Buffer }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly to: () => net.Socket | undefined,
    private readonly mode: () => ProxyMode,
  ) {}

  push(chunk: Buffer) {
    const m = this.mode();
    this.queue.push({ due: Date.now() + (m.kind === 'delay' ? m.ms : 0), chunk });
    this.flush();
  }

  /** Forwards what is due; called again on heal and when the upstream socket connects. */
  flush() {
    clearTimeout(this.timer);
    this.timer = undefined;
    const socket = this.to();
    if (this.mode().kind === 'partition' || !socket || socket.connecting || socket.destroyed) return;
    const now = Date.now();
    while (this.queue.length && this.queue[0].due <= now) socket.write(this.queue.shift()!.chunk);
    if (this.queue.length) this.timer = setTimeout(() => this.flush(), this.queue[0].due - now);
  }

  stop() {
    clearTimeout(this.timer);
    this.queue = [];
  }
}

/** Starts a proxy on 127.0.0.1 (a free port) to `127.0.0.1:targetPort`. */
export async function startProxy(targetPort: number): Promise<FaultProxy> {
  let mode: ProxyMode = { kind: 'pass' };
  let accepted = 0;
  const live = new Set<{ heal(): void; destroy(): void }>();

  const server = net.createServer((client) => {
    accepted++;
    let upstream: net.Socket | undefined;
    const toUpstream = new Pipe(() => upstream, () => mode);
    const toClient = new Pipe(() => client, () => mode);
    const connect = () => {
      if (upstream) return;
      upstream = net.connect(targetPort, '127.0.0.1', () => toUpstream.flush());
      upstream.on('data', (chunk) => toClient.push(chunk));
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
    };
    const conn = {
      heal() {
        connect();
        toUpstream.flush();
        toClient.flush();
      },
      destroy() {
        toUpstream.stop();
        toClient.stop();
        client.destroy();
        upstream?.destroy();
      },
    };
    live.add(conn);
    client.on('data', (chunk) => toUpstream.push(chunk));
    client.on('error', () => upstream?.destroy());
    client.on('close', () => {
      live.delete(conn);
      toUpstream.stop();
      toClient.stop();
      upstream?.destroy();
    });
    if (mode.kind !== 'partition') connect();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    set(next) {
      mode = next;
      if (next.kind !== 'partition') for (const c of live) c.heal();
    },
    async close() {
      for (const c of live) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
