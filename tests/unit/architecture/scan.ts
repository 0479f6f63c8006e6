import fs from 'node:fs';
import path from 'node:path';

/** The repository root, as the architecture tests see it. */
export const root = path.resolve(__dirname, '../../..');

/** Every source file below `dir` (TypeScript and JavaScript, declaration files left out). */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** The absolute path an import specifier of `file` names inside the repository; null for packages, node: built-ins and paths outside. */
export function resolveSpecifier(file: string, specifier: string): string | null {
  let resolved: string;
  if (specifier.startsWith('@/')) resolved = path.join(root, specifier.slice(2));
  else if (specifier.startsWith('.')) resolved = path.resolve(path.dirname(file), specifier);
  else return null;
  return path.relative(root, resolved).startsWith('..') ? null : resolved;
}
