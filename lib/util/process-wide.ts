/**
 * One value per Node process, whichever bundle asks for it. Next loads a module once per bundle
 * (instrumentation, each route handler, each page), so a module-level cache that a route handler
 * clears is not the one a page reads: an admin's settings change reached /label only once the
 * page's own copy expired. Kept on globalThis under a registered symbol.
 */
export function processWide<T>(name: string, make: () => T): T {
  const holder = globalThis as unknown as Record<symbol, T | undefined>;
  return (holder[Symbol.for(`chorus.${name}`)] ??= make());
}
