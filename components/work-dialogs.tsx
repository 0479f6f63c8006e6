'use client';

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { displayKey, type Hotkey } from '@/lib/client/hotkeys';
import { TableRegion } from './table-view';

/**
 * A modal on the native <dialog>: the browser traps the focus, Escape cancels, and the screen's
 * shortcuts are off while it is open (lib/client/hotkeys.ts checks for an open dialog).
 */
export function Modal({
  open,
  onClose,
  title,
  children,
  testId,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);
  return (
    <dialog ref={ref} className="modal" aria-labelledby={testId ? `${testId}-title` : undefined} data-testid={testId} onClose={onClose}>
      {open ? (
        <>
          <h2 id={testId ? `${testId}-title` : undefined} style={{ marginTop: 0 }}>
            {title}
          </h2>
          {children}
        </>
      ) : null}
    </dialog>
  );
}

/** The `?` overlay: every key of this screen and what it does. */
export function HotkeyHelp({ open, onClose, bindings, extra = [] }: { open: boolean; onClose: () => void; bindings: readonly Hotkey[]; extra?: [string, string][] }) {
  const rows: [string, string][] = [
    ...bindings.filter((b) => !b.hidden).map((b): [string, string] => [b.display ?? displayKey(typeof b.keys === 'string' ? b.keys : b.keys[0]), b.label]),
    ...extra,
  ];
  return (
    <Modal open={open} onClose={onClose} title="Keyboard shortcuts" testId="hotkey-help">
      <TableRegion labelledBy="hotkey-help-title">
        <table>
          <tbody>
            {rows.map(([key, label]) => (
              <tr key={key + label}>
                <td style={{ whiteSpace: 'nowrap' }}>
                  <kbd>{key}</kbd>
                </td>
                <td>{label}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableRegion>
      <p className="muted">Shortcuts do nothing while you type in a text field; after each action the keyboard is back on the clip.</p>
      <form method="dialog" className="row" style={{ justifyContent: 'flex-end' }}>
        <button type="submit" autoFocus>
          Close
        </button>
      </form>
    </Modal>
  );
}

/**
 * A screen's key line with its `?` button, and the overlay that lists every binding. `onClose`
 * hands the keyboard back to the work area (each screen's refocus). A touch-only screen shows
 * `touchHint` (what to tap) instead of the key line (globals.css).
 */
export function KeyHints({
  children,
  touchHint,
  bindings,
  open,
  onOpen,
  onClose,
}: {
  children: ReactNode;
  touchHint: ReactNode;
  bindings: readonly Hotkey[];
  open: boolean;
  onOpen: () => void;
  onClose: () => void;
}) {
  return (
    <>
      <div className="row key-hints muted">
        <span>{children}</span>
        <HelpButton onClick={onOpen} />
      </div>
      <p className="touch-hint muted">{touchHint}</p>
      <HotkeyHelp open={open} onClose={onClose} bindings={bindings} />
    </>
  );
}

export function HelpButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" className="secondary small" onClick={onClick} title="Keyboard shortcuts (?)" data-testid="help-button">
      <kbd>?</kbd> Keys
    </button>
  );
}

const FLAG_REASONS = [
  'No sound, or the audio is broken',
  'Not music (speech, noise, silence)',
  'Offensive or inappropriate content',
  'Wrong or duplicate track',
];

/** F on /label: why is this clip a problem? Sent with the flag so an admin can act on it. */
export function FlagDialog({ open, onCancel, onFlag }: { open: boolean; onCancel: () => void; onFlag: (reason: string) => void }) {
  const [choice, setChoice] = useState(FLAG_REASONS[0]);
  const [other, setOther] = useState('');
  useEffect(() => {
    if (open) {
      setChoice(FLAG_REASONS[0]);
      setOther('');
    }
  }, [open]);
  const reason = choice === 'other' ? other.trim() : choice;
  return (
    <Modal open={open} onClose={onCancel} title="Flag this clip" testId="flag-dialog">
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          if (reason) onFlag(reason);
        }}
      >
        <fieldset className="stack" style={{ border: 0, padding: 0, margin: 0 }}>
          <legend className="muted">What is wrong with it? The clip leaves your queue and an admin looks at it.</legend>
          {FLAG_REASONS.map((r, i) => (
            <label key={r} className="row" style={{ gap: '0.5rem', flexWrap: 'nowrap' }}>
              <input type="radio" name="flag-reason" value={r} checked={choice === r} onChange={() => setChoice(r)} autoFocus={i === 0} />
              {r}
            </label>
          ))}
          <label className="row" style={{ gap: '0.5rem', flexWrap: 'nowrap' }}>
            <input type="radio" name="flag-reason" value="other" checked={choice === 'other'} onChange={() => setChoice('other')} />
            Something else:
            <input
              type="text"
              aria-label="Describe the problem"
              value={other}
              maxLength={200}
              onFocus={() => setChoice('other')}
              onChange={(e) => setOther(e.target.value)}
              style={{ flex: 1, minWidth: 0 }}
            />
          </label>
        </fieldset>
        <div className="row" style={{ justifyContent: 'flex-end' }}>
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" disabled={!reason} data-testid="flag-confirm">
            Flag clip
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** A yes/no question before an action that is easy to trigger by accident. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  testId,
}: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  testId: string;
}) {
  return (
    <Modal open={open} onClose={onCancel} title={title} testId={testId}>
      {children}
      <div className="row" style={{ justifyContent: 'flex-end', marginTop: '1rem' }}>
        <button type="button" className="secondary" onClick={onCancel} autoFocus data-testid={`${testId}-cancel`}>
          Go back
        </button>
        <button type="button" onClick={onConfirm} data-testid={`${testId}-confirm`}>
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
