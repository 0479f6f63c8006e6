import { createRng, shuffleInPlace } from '@/lib/util/random';
import type { EncodedVotes, Vote } from '@/lib/crowd';

/** Encoded votes back to string triples. */
export function decodeVotes(data: EncodedVotes): Vote[] {
  return Array.from(data.item, (i, v) => ({
    item: data.items[i],
    worker: data.workers[data.worker[v]],
    label: data.labels[data.label[v]],
  }));
}

/** Triples from a compact table: rows of [item, worker, label]. */
export function votesFrom(rows: readonly (readonly [string, string, string])[]): Vote[] {
  return rows.map(([item, worker, label]) => ({ item, worker, label }));
}

/** Same votes, shuffled, with items and workers renamed by a random bijection. */
export function permuteVotes(votes: readonly Vote[], seed: number) {
  const rng = createRng(seed);
  const rename = (ids: string[], prefix: string) => {
    const shuffled = shuffleInPlace([...ids], rng);
    return new Map(ids.map((id, n) => [id, `${prefix}${shuffled[n]}`]));
  };
  const itemName = rename([...new Set(votes.map((v) => v.item))], 'i:');
  const workerName = rename([...new Set(votes.map((v) => v.worker))], 'w:');
  const permuted = shuffleInPlace(
    votes.map((v) => ({ item: itemName.get(v.item)!, worker: workerName.get(v.worker)!, label: v.label })),
    rng,
  );
  return { votes: permuted, itemName, workerName };
}

/** Fraction of positions where a[i] === b[i]. */
export function accuracy(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let hits = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) hits++;
  return hits / a.length;
}
