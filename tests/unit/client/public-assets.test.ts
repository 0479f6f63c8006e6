import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Every asset the root layout and the web manifest point at is a file in public/ (Next serves
 * public/ at the site root, so a missing file is a 404 on every page), and each PNG is the size
 * it is declared as.
 */
const PUBLIC = path.join(process.cwd(), 'public');
const layout = fs.readFileSync(path.join(process.cwd(), 'app', 'layout.tsx'), 'utf8');

function pngSize(file: string): string {
  const bytes = fs.readFileSync(file);
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

describe('public/ assets', () => {
  const referenced = [...layout.matchAll(/(?:url|manifest): '(\/[^']+)'/g)].map((m) => m[1]);

  it('the layout names the favicon, the SVG and PNG icons, the Apple icon and the manifest', () => {
    expect(referenced.sort()).toEqual(['/apple-touch-icon.png', '/favicon.ico', '/icon-192.png', '/icon.svg', '/manifest.webmanifest']);
    for (const url of referenced) expect(fs.existsSync(path.join(PUBLIC, url)), url).toBe(true);
    expect(pngSize(path.join(PUBLIC, 'apple-touch-icon.png'))).toBe('180x180');
  });

  it('the manifest is valid JSON whose icons exist at their declared sizes', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PUBLIC, 'manifest.webmanifest'), 'utf8')) as {
      name: string;
      start_url: string;
      icons: { src: string; type: string; sizes: string }[];
    };
    expect(manifest).toMatchObject({ name: 'Chorus', start_url: '/' });
    expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of manifest.icons) {
      const file = path.join(PUBLIC, icon.src);
      expect(fs.existsSync(file), icon.src).toBe(true);
      if (icon.type === 'image/png') expect(pngSize(file), icon.src).toBe(icon.sizes);
    }
  });

  it('favicon.ico is an ICO holding a 32×32 PNG; robots.txt keeps crawlers to /listen', () => {
    const ico = fs.readFileSync(path.join(PUBLIC, 'favicon.ico'));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 1]);
    expect([ico.readUInt8(6), ico.readUInt8(7)]).toEqual([32, 32]);
    expect(ico.subarray(ico.readUInt32LE(18) + 1, ico.readUInt32LE(18) + 4).toString('latin1')).toBe('PNG');
    const robots = fs.readFileSync(path.join(PUBLIC, 'robots.txt'), 'utf8');
    expect(robots).toMatch(/^User-agent: \*$/m);
    expect(robots).toMatch(/^Allow: \/listen$/m);
    expect(robots).toMatch(/^Disallow: \/$/m);
  });
});
