'use client';

import { useState } from 'react';

/**
 * Copies `text` to the clipboard and says so ("Copied" for a few seconds, announced to screen
 * readers). Where the Clipboard API is refused (plain http on another host), it says to select
 * and copy by hand instead of failing silently.
 */
export function CopyButton({ text, label = 'Copy', testId }: { text: string; label?: string; testId?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 4000);
  }
  return (
    <>
      <button type="button" className="secondary small" onClick={() => void copy()} data-testid={testId}>
        {state === 'copied' ? 'Copied ✓' : label}
      </button>
      <span role="status" className={state === 'failed' ? 'error' : 'muted'}>
        {state === 'copied'
          ? 'Copied to the clipboard.'
          : state === 'failed'
            ? 'The browser refused: select the text and copy it.'
            : ''}
      </span>
    </>
  );
}
