'use client';

import type { CSSProperties } from 'react';

export interface ChipTag {
  key: string;
  label: string;
  description?: string;
}

/**
 * A row of mood chips that toggle (issue 16: written three times before — /label, /listen and
 * the gold answer). Each chip is a pressed/unpressed button carrying its tag key in
 * `data-<attribute>` for tests; with `numberKeys` the first nine show their key (1–9), hidden on
 * touch screens by the stylesheet.
 */
export function TagChips(props: {
  tags: readonly ChipTag[];
  selected: readonly string[];
  onToggle: (key: string) => void;
  /** The group's accessible name ("Mood tags", "Tolerated moods" …). */
  label: string;
  /** `data-<attribute>={key}` on each chip. */
  attribute: 'tag' | 'mood' | 'tolerated';
  numberKeys?: boolean;
  /** An accessible name per chip when its label alone does not say what pressing it means. */
  chipLabel?: (tag: ChipTag, pressed: boolean) => string;
  style?: CSSProperties;
}) {
  return (
    <div className="chips" role="group" aria-label={props.label} style={props.style}>
      {props.tags.map((tag, i) => {
        const pressed = props.selected.includes(tag.key);
        return (
          <button
            type="button"
            key={tag.key}
            className="chip"
            aria-pressed={pressed}
            title={tag.description}
            aria-label={props.chipLabel?.(tag, pressed)}
            {...{ [`data-${props.attribute}`]: tag.key }}
            onClick={() => props.onToggle(tag.key)}
          >
            {props.numberKeys && i < 9 && <kbd>{i + 1}</kbd>}
            {tag.label}
          </button>
        );
      })}
    </div>
  );
}
