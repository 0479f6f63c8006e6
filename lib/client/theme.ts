/**
 * Light and dark themes (app/globals.css holds both as light-dark() tokens). Without a stored
 * choice the page follows the system (prefers-color-scheme); the toggle stores one here and sets
 * `data-theme` on <html>, which pins the root's color-scheme.
 */

export type Theme = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'chorus-theme';

export const isTheme = (value: unknown): value is Theme => value === 'light' || value === 'dark';

/**
 * Runs inline in <head> before the body paints (app/layout.tsx), so a stored dark choice never
 * flashes light first. Kept tiny and dependency-free: it is sent as text, not bundled. A browser
 * that refuses storage (private mode, blocked cookies) simply follows the system.
 */
export const THEME_BOOT_SCRIPT = `try{var t=localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});if(t==='light'||t==='dark')document.documentElement.dataset.theme=t}catch(e){}`;

/** The theme on screen: the stored choice if any, else the system's. */
export function currentTheme(): Theme {
  const chosen = document.documentElement.dataset.theme;
  if (isTheme(chosen)) return chosen;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Shows `theme` now and remembers it for the next visit. */
export function chooseTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // Storage refused: the choice holds for this page only.
  }
}
