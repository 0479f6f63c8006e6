/**
 * Objects keyed by user input — tag keys, licence and source names, blend tags — are
 * null-prototype objects, and are read through `own`. With a plain `{}`, a tag named
 * `constructor` reads as `Object` before it is set (`counts[tag] ?? 0` is a function,
 * `+= 1` makes a string), and `__proto__` as a key sets the prototype instead of a value
 * (issue 22, finding 6: a tag named `constructor` broke every export). A null-prototype
 * object has neither problem, still serialises with JSON.stringify, and is what
 * `Object.groupBy` returns too. Prefer a `Map` where the value does not leave the process.
 */
export function dict<V>(entries?: Iterable<readonly [string, V]>): Record<string, V> {
  const out = Object.create(null) as Record<string, V>;
  if (entries) for (const [k, v] of entries) out[k] = v;
  return out;
}

/** `obj[key]` if `obj` has it as its own property (never an inherited `constructor`, `toString` …). */
export function own<V>(obj: Readonly<Record<string, V>> | null | undefined, key: string): V | undefined {
  return obj != null && Object.hasOwn(obj, key) ? obj[key] : undefined;
}
