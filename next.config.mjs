import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

const securityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()' },
];

/**
 * The policy of everything that is not a page: API answers, built assets. Pages get a
 * per-request nonce policy from proxy.ts (lib/http/csp.ts) instead — no 'unsafe-inline' for
 * scripts anywhere.
 */
const STATIC_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');
const staticCsp = [{ key: 'Content-Security-Policy', value: STATIC_CSP }];

/** @type {import('next').NextConfig} */
const nextConfig = {
  turbopack: { root },
  // Native addons, WASM and optional-import packages load from node_modules at run time instead of being bundled.
  serverExternalPackages: [
    '@electric-sql/pglite',
    '@electric-sql/pglite-pgvector',
    'pg-boss',
    'onnxruntime-node',
    'hnswlib-node',
    '@node-rs/argon2',
    'audio-decode',
    '@audio/decode',
    'meyda',
    'pino',
    'postgres',
  ],
  poweredByHeader: false,
  // `npm test` type-checks the whole project (app, lib, jobs, tests, bench) with tsc; the build need not repeat it.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [
      { source: '/:path*', headers: securityHeaders },
      // Exactly the paths proxy.ts does not match.
      { source: '/api', headers: staticCsp },
      { source: '/api/:path*', headers: staticCsp },
      { source: '/_next/:path*', headers: staticCsp },
      { source: '/favicon.ico', headers: staticCsp },
    ];
  },
};

export default nextConfig;
