// Renders public/icon.svg to the PNG app icons and favicon.ico with Debian Chromium: `node scripts/make-icons.mjs`.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
const svg = fs.readFileSync('/work/main/public/icon.svg', 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
async function png(size) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`);
  return page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
}
const p180 = await png(180), p192 = await png(192), p512 = await png(512), p32 = await png(32);
fs.writeFileSync('/work/main/public/apple-touch-icon.png', p180);
fs.writeFileSync('/work/main/public/icon-192.png', p192);
fs.writeFileSync('/work/main/public/icon-512.png', p512);
// favicon.ico: one 32×32 PNG inside an ICO container (every current browser reads PNG-in-ICO).
const header = Buffer.alloc(6); header.writeUInt16LE(0, 0); header.writeUInt16LE(1, 2); header.writeUInt16LE(1, 4);
const entry = Buffer.alloc(16); entry.writeUInt8(32, 0); entry.writeUInt8(32, 1); entry.writeUInt8(0, 2); entry.writeUInt8(0, 3);
entry.writeUInt16LE(1, 4); entry.writeUInt16LE(32, 6); entry.writeUInt32LE(p32.length, 8); entry.writeUInt32LE(22, 12);
fs.writeFileSync('/work/main/public/favicon.ico', Buffer.concat([header, entry, p32]));
await browser.close();
