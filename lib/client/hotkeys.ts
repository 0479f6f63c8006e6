'use client';

import { useCallback, useEffect, useRef, type RefObject } from 'react';

/**
 * One keyboard discipline for every work screen (/label, /review, /listen).
 *
 * - A shortcut never fires while the person types in a text field (input, textarea, select,
 *   contenteditable) unless the binding says `inFields` (Ctrl+Enter in the review note).
 * - Space is the player's: a focused button or chip does not take it (nor a checkbox that only
 *   kept the focus after a mouse click; one reached with Tab toggles, it has no other key). Enter on a
 *   button reached with Tab still presses that button (keyboard users rely on it); on a button
 *   that merely kept the focus after a mouse click, Enter is the screen's.
 * - While a modal dialog is open (the `?` overlay, a confirmation, the flag reason), the screen's
 *   shortcuts are off: the dialog has the keyboard.
 * - Held keys (auto-repeat) do not fire an action twice.
 *
 * Why not react-hotkeys-hook: these three rules (fields, Space over buttons, dialogs) are the whole
 * point, and they are a page of code; the library's defaults differ on each and would need the
 * same amount of configuration.
 */
export interface Hotkey {
  /** Key combinations: 'space', 'enter', 'escape', 'mod+enter' (Ctrl or ⌘), '?', 'f', '1'… */
  keys: string | readonly string[];
  /** What it does, for the `?` overlay. */
  label: string;
  /** How the overlay writes the key (default: the first combination). */
  display?: string;
  run: (event: KeyboardEvent) => void;
  /** Fire in text fields too. */
  inFields?: boolean;
  /** Leave the focus where `run` put it (e.g. a key that focuses the note box). */
  keepFocus?: boolean;
  enabled?: boolean;
  /** Not listed in the overlay (e.g. each of 1–9 when one row says "1–9"). */
  hidden?: boolean;
}

const TEXT_INPUT_TYPES = new Set(['text', 'search', 'email', 'password', 'number', 'url', 'tel', 'date', 'time', 'datetime-local', 'month', 'week']);

/** True when typing into `el` inserts text: the keys belong to the field, not to the screen. */
export function isTextField(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) return TEXT_INPUT_TYPES.has(el.type);
  return el instanceof HTMLElement && el.isContentEditable;
}

/** Buttons, links, checkboxes, media controls: things Enter activates natively. */
function isActivatable(el: Element | null): boolean {
  if (!el) return false;
  return el.matches('button, a[href], input, summary, [role=button], [role=checkbox], [role=switch], audio, video');
}

function keyName(event: KeyboardEvent): string {
  if (event.key === ' ' || event.code === 'Space') return 'space';
  return event.key.toLowerCase();
}

/** Whether `combo` ('mod+enter', 'f', '?') is what `event` pressed. */
export function matches(combo: string, event: KeyboardEvent): boolean {
  const parts = combo.toLowerCase().split('+');
  const key = parts.pop()!;
  const mods = new Set(parts);
  const wantCtrl = mods.has('ctrl') || (mods.has('mod') && !event.metaKey);
  const wantMeta = mods.has('meta') || (mods.has('mod') && event.metaKey);
  if (event.ctrlKey !== wantCtrl || event.metaKey !== wantMeta || event.altKey !== mods.has('alt')) return false;
  // Shift is part of printable keys ('?' is Shift+/ on many layouts); it matters only for named keys.
  if (key.length > 1 && event.shiftKey !== mods.has('shift')) return false;
  return keyName(event) === key;
}

/** The combination as a person reads it: 'mod+enter' → 'Ctrl+Enter', 'space' → 'Space'. */
export function displayKey(combo: string): string {
  return combo
    .split('+')
    .map((p) => (p === 'mod' ? 'Ctrl' : p.length === 1 ? p.toUpperCase() : p[0].toUpperCase() + p.slice(1)))
    .join('+');
}

/**
 * Binds `bindings` on the window for as long as the component is mounted. After an action, the
 * focus goes back to `workArea` (unless the binding keeps it), so a note box or a clicked chip
 * never keeps the keyboard for the next clip.
 */
export function useHotkeys(bindings: readonly Hotkey[], options: { workArea?: RefObject<HTMLElement | null> } = {}): void {
  const latest = useRef({ bindings, workArea: options.workArea });
  latest.current = { bindings, workArea: options.workArea };

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.defaultPrevented || event.isComposing) return;
      if (document.querySelector('dialog[open]')) return;
      const binding = latest.current.bindings.find(
        (b) => b.enabled !== false && (typeof b.keys === 'string' ? [b.keys] : b.keys).some((k) => matches(k, event)),
      );
      if (!binding) return;
      const target = event.target instanceof Element ? event.target : null;
      if (isTextField(target) && !binding.inFields) return;
      const name = keyName(event);
      // Enter presses a button the person reached with Tab (:focus-visible); after a mouse click
      // the button only has the focus by accident, and Enter belongs to the screen.
      if (name === 'enter' && isActivatable(target) && target!.matches(':focus-visible') && !event.ctrlKey && !event.metaKey) return;
      // A checkbox has no other key than Space: one reached with Tab keeps it.
      if (name === 'space' && target?.matches('input[type=checkbox], input[type=radio], [role=checkbox], [role=switch]') && target.matches(':focus-visible')) return;
      event.preventDefault();
      if (event.repeat) return;
      binding.run(event);
      if (!binding.keepFocus) focusWorkArea(latest.current.workArea);
    }
    // Capture: runs before a focused button's own Space handling and before React's handlers.
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}

/** Puts the focus on the work area (a `tabIndex={-1}` element) without scrolling to it. */
export function focusWorkArea(workArea: RefObject<HTMLElement | null> | undefined): void {
  const el = workArea?.current;
  if (!el) return;
  // A dialog that is open keeps the focus; everything else hands it back.
  if (document.querySelector('dialog[open]')) return;
  el.focus({ preventScroll: true });
}

/** A stable callback that returns the focus to the work area (for mouse handlers). */
export function useRefocus(workArea: RefObject<HTMLElement | null>): () => void {
  return useCallback(() => focusWorkArea(workArea), [workArea]);
}
