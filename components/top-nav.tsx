import Link from 'next/link';
import type { Principal } from '@/lib/auth/principal';
import { SignOutButton } from './sign-out-button';
import { ThemeToggle } from './theme-toggle';

const LINKS: { href: string; label: string; roles: string[] }[] = [
  { href: '/projects', label: 'Projects', roles: ['contributor', 'expert', 'engineer', 'admin'] },
  { href: '/label', label: 'Label', roles: ['contributor', 'expert', 'engineer', 'admin'] },
  { href: '/review', label: 'Review', roles: ['expert', 'admin'] },
  { href: '/review/gold', label: 'Gold', roles: ['expert', 'admin'] },
  { href: '/guidelines', label: 'Guidelines', roles: ['contributor', 'expert', 'admin'] },
  { href: '/loop', label: 'Loop', roles: ['engineer', 'admin'] },
  { href: '/models', label: 'Models', roles: ['engineer', 'admin'] },
  { href: '/datasets', label: 'Datasets', roles: ['engineer', 'admin'] },
  { href: '/admin', label: 'Admin', roles: ['admin'] },
  { href: '/admin/audit', label: 'Audit', roles: ['admin'] },
  { href: '/listen', label: 'Listen', roles: ['contributor', 'expert', 'engineer', 'admin'] },
];

export function TopNav({ user }: { user: Principal }) {
  return (
    <header className="top">
      <span className="brand">Chorus</span>
      <nav>
        {LINKS.filter((l) => l.roles.includes(user.role)).map((l) => (
          <Link key={l.href} href={l.href}>
            {l.label}
          </Link>
        ))}
      </nav>
      <span className="who">
        {user.name} · {user.role}
      </span>
      <ThemeToggle />
      <SignOutButton />
    </header>
  );
}
