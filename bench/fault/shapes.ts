/**
 * What a vote request's answer says, for every shape a kill of the web server can produce
 * (issue 19): an answer with the vote (`acked`), an acknowledgement whose body never arrived or
 * arrived cut short (`acked-no-body`: the vote is then looked up by its idempotency key), no answer
 * at all (`no-answer`: connection reset or refused, status 0 from the harness), or another status.
 */
export type VoteShape = 'acked' | 'acked-no-body' | 'no-answer' | 'other';

export function voteIdOf(r: { body: unknown }): string | undefined {
  const body = r.body;
  if (!body || typeof body !== 'object') return undefined;
  const id = (body as { voteId?: unknown }).voteId;
  return typeof id === 'string' && id ? id : undefined;
}

export function voteShape(r: { status: number; body: unknown }): VoteShape {
  if (r.status === 200 || r.status === 201) return voteIdOf(r) ? 'acked' : 'acked-no-body';
  return r.status === 0 ? 'no-answer' : 'other';
}

export interface AckedVote {
  userId: string;
  key: string;
  voteId: string;
}

/**
 * Acknowledged votes whose answers carried no vote id get the id stored under their idempotency key;
 * a key with no row, or with several, gets a marker id and so shows up in the integrity checks
 * (missing / stored under another id / stored more than once). Returns how many were resolved.
 */
export async function resolveByKey(handle: { query<T>(text: string, params?: unknown[]): Promise<T[]> }, acked: AckedVote[]): Promise<number> {
  let resolved = 0;
  for (const a of acked) {
    if (a.voteId) continue;
    const rows = await handle.query<{ id: string }>(`select id from votes where user_id = $1 and idempotency_key = $2`, [a.userId, a.key]);
    if (rows.length === 1) {
      a.voteId = rows[0].id;
      resolved++;
    } else a.voteId = `(no body; ${rows.length} rows)`;
  }
  return resolved;
}
