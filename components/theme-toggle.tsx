'use client';

import { useEffect, useState } from 'react';
import { chooseTheme, currentTheme, type Theme } from '@/lib/client/theme';

/**
 * "Dark theme" on or off (a pressed toggle button). The server cannot know the theme, so the first
 * render is neutral and the real state arrives after mount; until a choice is stored, a system
 * switch between light and dark shows here too.
 */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme | null>(null);
  useEffect(() => {
    setTheme(currentTheme());
    const system = window.matchMedia('(prefers-color-scheme: dark)');
    const follow = () => setTheme(currentTheme());
    system.addEventListener('change', follow);
    return () => system.removeEventListener('change', follow);
  }, []);
  return (
    <button
      type="button"
      className="secondary small theme-toggle"
      aria-pressed={theme === 'dark'}
      disabled={theme === null}
      data-testid="theme-toggle"
      onClick={() => {
        const next: Theme = theme === 'dark' ? 'light' : 'dark';
        chooseTheme(next);
        setTheme(next);
      }}
    >
      Dark theme
    </button>
  );
}
