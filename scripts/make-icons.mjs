// Renders public/icon.svg to the PNG app icons and favicon.ico with Debian Chromium: `node scripts/make-icons.mjs`.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
const dir = new URL('../public/', import.meta.url);
const svg = fs.readFileSync(new URL('icon.svg', dir), 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
async function png(size) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
  return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
}
const p180 = await png(180), p192 = await png(192), p512 = await png(512), p32 = await png(32);
fs.writeFileSync(new URL('apple-touch-icon.png', dir), p180);
fs.writeFileSync(new URL('icon-192.png', dir), p192);
fs.writeFileSync(new URL('icon-512.png', dir), p512);
// favicon.ico: one 32×32 PNG inside an ICO container (every current browser reads PNG-in-ICO).
const header = Buffer.alloc(6); header.writeUInt16LE(0, 0); header.writeUInt16LE(1, 2); header.writeUInt16LE(1, 4);
const entry = Buffer.alloc(16); entry.writeUInt8(32, 0); entry.writeUInt8(32, 1); entry.writeUInt8(0, 2); entry.writeUInt8(0, 3);
entry.writeUInt16LE(1, 4); entry.writeUInt16LE(32, 6); entry.writeUInt32LE(p32.length, 8); entry.writeUInt32LE(22, 12);
fs.writeFileSync(new URL('favicon.ico', dir), Buffer.concat([header, entry, p32]));
await browser.close();
