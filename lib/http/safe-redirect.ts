/**
 * The one rule for "where to go after sign-in" (server page, client form, next-auth's
 * redirect callback): only a same-origin relative path survives, judged the way a browser
 * will read it. Anything else becomes `fallback`.
 *
 * Why not `startsWith('/') && !startsWith('//')`: browsers treat `\` as `/` in http URLs and
 * drop tabs and newlines anywhere in a URL, so `/\evil.test/x` and `/\t/evil.test/x` are
 * protocol-relative URLs to evil.test (finding 3 of issue 22). So:
 *  1. control characters (C0, DEL) are stripped, as the URL parser itself strips tab/CR/LF;
 *  2. any backslash, raw or percent-encoded (`%5C`), is refused outright;
 *  3. what is left must start with exactly one `/` and resolve, with the WHATWG URL parser,
 *     against a dummy origin to that same origin;
 *  4. the normalised path + query + hash is returned, and refused if normalisation turned it
 *     into something starting with `//` (e.g. `/.//evil.test`).
 * Pure and dependency-free: the client bundle imports it too.
 */
const DUMMY_ORIGIN = 'http://chorus.invalid';
const MAX_LENGTH = 2048;

export function safeRedirectPath(raw: unknown, fallback = '/'): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_LENGTH) return fallback;
  // eslint-disable-next-line no-control-regex
  const cleaned = raw.replace(/[\u0000-\u001F\u007F]/g, '');
  if (cleaned.includes('\\') || /%5c/i.test(cleaned)) return fallback;
  if (!cleaned.startsWith('/') || cleaned.startsWith('//')) return fallback;
  let url: URL;
  try {
    url = new URL(cleaned, DUMMY_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== DUMMY_ORIGIN || url.username || url.password) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (!path.startsWith('/') || path.startsWith('//')) return fallback;
  return path;
}
