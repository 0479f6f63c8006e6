import http from 'node:http';
import net from 'node:net';

/**
 * The TCP peer of a request, for the per-IP rate limits.
 *
 * Next 16 route handlers get a Web `Request`: no socket, no `request.ip` (removed in Next 15).
 * The only address Next passes on is `X-Forwarded-For`, and it fills that header from the
 * socket only when the client sent none (`headers['x-forwarded-for'] ??= socket.remoteAddress`
 * in next/dist/server/base-server.js) — so a client talking to Next directly writes whatever it
 * likes there, and rotating it gave a fresh per-IP bucket per request.
 *
 * So Chorus stamps the socket address itself, at the Node HTTP layer, before Next sees the
 * request: `installPeerStamp()` (run from instrumentation.ts, i.e. in the server process) wraps
 * `http.Server.prototype.emit` so every `'request'` event carries `x-chorus-peer` = the socket's
 * remote address, overwriting anything the client sent under that name. `clientIp()` in
 * lib/http/rate-limit.ts starts from that address and walks `X-Forwarded-For` only through the
 * proxies listed in `CHORUS_TRUSTED_PROXIES`.
 */
export const PEER_HEADER = 'x-chorus-peer';

const holder = globalThis as unknown as { __chorusPeerStamp?: boolean };

/** Whether this process stamps the socket address (the Next server does; in-process tests may not). */
export function peerStampActive(): boolean {
  return holder.__chorusPeerStamp === true;
}

export function installPeerStamp(): void {
  if (holder.__chorusPeerStamp) return;
  const proto = http.Server.prototype as unknown as { emit: (event: string | symbol, ...args: unknown[]) => boolean };
  const emit = proto.emit;
  proto.emit = function stampPeer(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'request') {
      const req = args[0] as http.IncomingMessage | undefined;
      if (req?.headers) req.headers[PEER_HEADER] = req.socket?.remoteAddress ?? '';
    }
    return emit.call(this, event, ...args);
  };
  holder.__chorusPeerStamp = true;
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is `1.2.3.4`. */
export function normalizeIp(ip: string): string {
  const trimmed = ip.trim().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1] : trimmed;
}

/** Parses `CHORUS_TRUSTED_PROXIES` entries (IPs and CIDRs, comma or space separated); throws on a bad one. */
export function parseTrustedProxies(value: string | undefined): string[] {
  const entries = (value ?? '').split(/[\s,]+/).filter(Boolean);
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = net.isIP(normalizeIp(address));
    if (!family || extra !== undefined) throw new Error(`"${entry}" is not an IP address or CIDR`);
    if (prefix !== undefined) {
      const bits = Number(prefix);
      if (!/^\d{1,3}$/.test(prefix) || bits > (family === 4 ? 32 : 128)) throw new Error(`"${entry}" has a bad prefix length`);
    }
  }
  return entries;
}

const lists = new Map<string, net.BlockList>();

/** A matcher over the configured proxies (cached per setting). */
export function trustedProxyList(value: string | undefined): net.BlockList {
  const key = value ?? '';
  let list = lists.get(key);
  if (!list) {
    list = new net.BlockList();
    for (const entry of parseTrustedProxies(value)) {
      const [address, prefix] = entry.split('/');
      const ip = normalizeIp(address);
      const type = net.isIP(ip) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) list.addAddress(ip, type);
      else list.addSubnet(ip, Number(prefix), type);
    }
    lists.set(key, list);
  }
  return list;
}

export function isTrusted(list: net.BlockList, ip: string): boolean {
  const normalized = normalizeIp(ip);
  const family = net.isIP(normalized);
  if (!family) return false;
  return list.check(normalized, family === 4 ? 'ipv4' : 'ipv6');
}
