import type { ReactNode } from 'react';

/** The SVG every chart draws in: scales with its container up to `width`, named for screen readers. */
export function Frame(props: {
  width: number;
  height: number;
  title: string;
  desc?: string;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <svg
      viewBox={`0 0 ${props.width} ${props.height}`}
      width="100%"
      style={{ maxWidth: props.width, display: 'block' }}
      role="img"
      aria-label={props.title}
      data-testid={props.testId}
    >
      <title>{props.title}</title>
      {props.desc && <desc>{props.desc}</desc>}
      {props.children}
    </svg>
  );
}
