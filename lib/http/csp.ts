/**
 * The Content-Security-Policy of the app's pages: scripts only with this response's nonce
 * (`'strict-dynamic'` lets those scripts load Next's chunks), never `'unsafe-inline'`.
 *
 * proxy.ts makes a fresh nonce per page request and sets this policy on both the request (Next
 * reads the nonce from the request's `Content-Security-Policy` header while rendering and puts
 * it on its inline bootstrap scripts and its script tags) and the response. A nonce only works
 * on a page rendered per request, so the root layout opts every page into dynamic rendering.
 * Styles keep `'unsafe-inline'`: React `style={…}` attributes cannot carry a nonce, and a style
 * cannot run code.
 *
 * API routes and static files keep the static policy of next.config.mjs (`STATIC_CSP`).
 */
export function newNonce(): string {
  const bytes = new Uint8Array(18);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

export function pageCsp(nonce: string, options: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    // Development only: React's dev build evaluates code for its error overlays.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

/** A nonce as CSP and HTML carry it: base64 characters only. */
export const NONCE_PATTERN = /'nonce-([A-Za-z0-9+/=]+)'/;
