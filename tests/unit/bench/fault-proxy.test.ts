/**
 * The fault suite's TCP proxy (bench/fault/proxy.ts): bytes pass in order in every mode, a
 * partition holds them (nothing is delivered, nothing lost) and a connection opened during it
 * reaches the server only on heal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { startProxy, type FaultProxy } from '../../../bench/fault/proxy';

/** An echo server that counts its connections. */
async function echoServer(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('data', (d) => s.write(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A client through the proxy that collects what comes back. */
async function client(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let received = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (d) => {
    received += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  return {
    socket,
    received: () => received,
    async until(text: string) {
      while (received.length < text.length) await new Promise<void>((r) => waiters.push(r));
      return received;
    },
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setup(): Promise<{ proxy: FaultProxy; upstream: Awaited<ReturnType<typeof echoServer>> }> {
  const upstream = await echoServer();
  closers.push(() => upstream.close());
  const proxy = await startProxy(upstream.port);
  closers.push(() => proxy.close());
  return { proxy, upstream };
}

describe('fault proxy', () => {
  it('passes bytes both ways, in order, also with latency', async () => {
    const { proxy } = await setup();
    const c = await client(proxy.port);
    closers.push(async () => void c.socket.destroy());
    c.socket.write('one-');
    expect(await c.until('one-')).toBe('one-');
    proxy.set({ kind: 'delay', ms: 30 });
    for (const part of ['two-', 'three-', 'four-']) c.socket.write(part);
    expect(await c.until('one-two-three-four-')).toBe('one-two-three-four-');
  });

  it('holds everything during a partition and delivers it, in order, on heal', async () => {
    const { proxy, upstream } = await setup();
    const open = await client(proxy.port);
    closers.push(async () => void open.socket.destroy());
    open.socket.write('a');
    await open.until('a');
    proxy.set({ kind: 'partition' });
    open.socket.write('b');
    open.socket.write('c');
    // A new connection during the partition is accepted by the proxy but not passed on.
    const late = await client(proxy.port);
    closers.push(async () => void late.socket.destroy());
    late.socket.write('x');
    await new Promise((r) => setTimeout(r, 200));
    expect(open.received()).toBe('a');
    expect(late.received()).toBe('');
    expect(upstream.connections()).toBe(1);
    proxy.set({ kind: 'pass' });
    expect(await open.until('abc')).toBe('abc');
    expect(await late.until('x')).toBe('x');
    expect(upstream.connections()).toBe(2);
    expect(proxy.accepted).toBe(2);
  });
});
