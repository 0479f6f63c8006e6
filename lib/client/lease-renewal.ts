'use client';

import { useEffect } from 'react';
import { apiFetch } from './api';

/** When to renew: at half the time left (so a slow network or a sleeping tab still has the other half), at least a second from now. */
export function renewDelayMs(expiresAt: string | Date, now = Date.now()): number {
  const at = typeof expiresAt === 'string' ? Date.parse(expiresAt) : expiresAt.getTime();
  if (!Number.isFinite(at)) return 1000;
  return Math.max(1000, (at - now) / 2);
}

/**
 * Keeps every lease the screen holds (the clip on screen and the ones queued behind it) alive
 * while it holds them: each is renewed at half its remaining time and again after each renewal.
 * A lease the server has already reaped answers 409; it is left alone (the answer will say so
 * and the screen moves on), never retried in a loop.
 */
export function useLeaseRenewal(held: readonly { id: string; expiresAt: string }[]): void {
  const key = held.map((l) => l.id).join(',');
  useEffect(() => {
    const timers = new Map<string, ReturnType<typeof setTimeout>>();
    let stopped = false;
    const schedule = (id: string, expiresAt: string) => {
      timers.set(
        id,
        setTimeout(async () => {
          try {
            const renewed = await apiFetch<{ expiresAt: string }>(`/api/leases/${id}/renew`, { method: 'POST', body: '{}' });
            if (!stopped) schedule(id, renewed.expiresAt);
          } catch {
            timers.delete(id);
          }
        }, renewDelayMs(expiresAt)),
      );
    };
    for (const lease of held) schedule(lease.id, lease.expiresAt);
    return () => {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
    };
    // `key` stands for `held`: the same leases in a new array must not restart the timers (after a
    // change, a lease whose first expiry has passed is renewed a second later, which is harmless).
  }, [key]);
}
