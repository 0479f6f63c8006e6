import { describe, expect, it } from 'vitest';
import { safeRedirectPath } from '@/lib/http/safe-redirect';

/**
 * Attacker's view: a link `/login?callbackUrl=<anything>` sent to a user; after a real
 * sign-in the browser is sent to the callback. Whatever the attacker writes there, the
 * browser must stay on this origin. (Next decodes the query once, so `%5C` arrives as `\`.)
 */
describe('finding 3: open redirect — safeRedirectPath', () => {
  const BASE = 'https://chorus.example';
  /** Where a browser actually goes when `location.assign(path)` runs on BASE. */
  const landsOn = (path: string) => new URL(path, BASE).origin;

  const hostile = [
    '/\\evil.test/x', // /%5Cevil.test/x decoded
    '/%5Cevil.test/x', // still encoded (double-encoded link)
    '/%5cevil.test/x',
    '/\t/evil.test/x', // /%09/evil.test/x decoded
    '/%09/evil.test/x', // (harmless as a literal path, but accepted only as such — see below)
    '/\n/evil.test/x',
    '/\r\n/evil.test/x',
    '/\u0000/evil.test',
    '\t//evil.test',
    '//evil.test/x',
    '///evil.test/x',
    '/\\/evil.test',
    '\\\\evil.test',
    '\\/evil.test',
    '/.//evil.test',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https://evil.test/x',
    'http:evil.test',
    'http:/evil.test',
    'evil.test/x',
    '',
    ' /label',
    'x'.repeat(3000),
  ];

  for (const raw of hostile) {
    it(`never leaves the origin: ${JSON.stringify(raw.slice(0, 40))}`, () => {
      const out = safeRedirectPath(raw);
      expect(out.startsWith('/') && !out.startsWith('//')).toBe(true);
      expect(out).not.toMatch(/\\|[\u0000-\u001F]/);
      expect(landsOn(out)).toBe(BASE);
    });
  }

  it('the two probes from the report fall back to the home page', () => {
    expect(safeRedirectPath('/\\evil.test/x')).toBe('/');
    expect(safeRedirectPath('/\t/evil.test/x')).toBe('/');
    expect(safeRedirectPath(decodeURIComponent('/%5Cevil.test/x'))).toBe('/');
    expect(safeRedirectPath(decodeURIComponent('/%09/evil.test/x'))).toBe('/');
    expect(safeRedirectPath('//evil.test/x')).toBe('/');
    expect(safeRedirectPath('https://evil.test/x')).toBe('/');
    expect(safeRedirectPath('javascript:alert(1)')).toBe('/');
  });

  it('non-strings and the fallback', () => {
    expect(safeRedirectPath(undefined)).toBe('/');
    expect(safeRedirectPath(null, '/label')).toBe('/label');
    expect(safeRedirectPath(['/a'])).toBe('/');
    expect(safeRedirectPath('//evil.test', '/review')).toBe('/review');
  });

  it('good same-origin paths are kept, with their query string and hash', () => {
    expect(safeRedirectPath('/')).toBe('/');
    expect(safeRedirectPath('/label')).toBe('/label');
    expect(safeRedirectPath('/listen')).toBe('/listen');
    expect(safeRedirectPath('/datasets?tab=snapshots&q=a%20b')).toBe('/datasets?tab=snapshots&q=a%20b');
    expect(safeRedirectPath('/review/clip/123?from=queue#votes')).toBe('/review/clip/123?from=queue#votes');
    expect(safeRedirectPath('/a/../admin')).toBe('/admin');
    expect(safeRedirectPath('/search?next=//evil.test')).toBe('/search?next=//evil.test');
  });
});

describe('finding 3: open redirect — the sign-in page hands the form only a safe callback', () => {
  /** The `callbackUrl` prop the server page gives the (client) sign-in form. */
  async function formCallback(callbackUrl: string): Promise<string> {
    const { default: LoginPage } = await import('@/app/login/page');
    const { LoginForm } = await import('@/components/login-form');
    const tree = await LoginPage({ searchParams: Promise.resolve({ callbackUrl }) });
    const found: string[] = [];
    const walk = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      if (Array.isArray(node)) return node.forEach(walk);
      const el = node as { type?: unknown; props?: { children?: unknown; callbackUrl?: string } };
      if (el.type === LoginForm && el.props) found.push(el.props.callbackUrl!);
      walk(el.props?.children);
    };
    walk(tree);
    expect(found).toHaveLength(1);
    return found[0];
  }

  it('/login?callbackUrl=/%5Cevil.test/x and /%09/evil.test/x (as Next decodes them) fall back to /', async () => {
    for (const probe of ['/%5Cevil.test/x', '/%09/evil.test/x', '/%0a/evil.test/x', '//evil.test/x', '/%5C%5Cevil.test']) {
      const decoded = new URL(`http://localhost/login?callbackUrl=${probe}`).searchParams.get('callbackUrl')!;
      expect(await formCallback(decoded), probe).toBe('/');
    }
    expect(await formCallback('/datasets?tab=snapshots')).toBe('/datasets?tab=snapshots');
  });
});
