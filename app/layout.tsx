import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import './globals.css';
import { Providers } from './providers';

export const metadata: Metadata = {
  title: 'Chorus',
  description: 'Music mood labeling and active learning',
  // public/: the SVG for browsers that take it, PNG and ICO for the rest (scripts/make-icons.mjs renders them).
  manifest: '/manifest.webmanifest',
  icons: {
    icon: [
      { url: '/icon.svg', type: 'image/svg+xml' },
      { url: '/icon-192.png', type: 'image/png', sizes: '192x192' },
      { url: '/favicon.ico', sizes: '32x32' },
    ],
    apple: [{ url: '/apple-touch-icon.png', sizes: '180x180' }],
  },
};

/** The browser chrome in the app's background colour (globals.css --bg), as in the web manifest. */
export const viewport: Viewport = { themeColor: '#0f1115', colorScheme: 'dark' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page renders per request, so Next can put this response's CSP nonce (proxy.ts) on its scripts;
  // a page prerendered at build time would carry no nonce and its inline scripts would be blocked.
  await connection();
  return (
    <html lang="en">
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
