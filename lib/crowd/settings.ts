/**
 * Merge caller overrides into a method's defaults and reject values that would
 * make the math meaningless (negative pseudo-counts, a zero iteration cap…),
 * so a bad admin setting fails loudly instead of yielding NaN posteriors.
 */
export function resolveSettings<T extends object>(
  name: string,
  defaults: T,
  overrides: Partial<T> | undefined,
  checks: { readonly [K in keyof T]?: (value: T[K]) => boolean },
): T {
  const merged = { ...defaults, ...overrides } as T;
  for (const key of Object.keys(checks) as (keyof T)[]) {
    const check = checks[key];
    if (check && !check(merged[key])) {
      throw new RangeError(`${name}: invalid setting ${String(key)} = ${JSON.stringify(merged[key])}`);
    }
  }
  return merged;
}

export const isPositiveInteger = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x) && x >= 1;
export const isNonNegative = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0;
export const isPositive = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;
export const isProbability = (x: unknown): boolean => typeof x === 'number' && x >= 0 && x <= 1;
