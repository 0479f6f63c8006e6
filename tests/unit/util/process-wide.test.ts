import { describe, expect, it, vi } from 'vitest';
import { processWide } from '@/lib/util/process-wide';

describe('processWide', () => {
  it('gives every caller of a name the value the first made, as a second bundle of a module would ask', () => {
    const make = vi.fn(() => new Map<string, number>());
    const first = processWide('test-process-wide', make);
    first.set('a', 1);
    // A second copy of a module (another Next bundle) runs its own top level: same name, own factory.
    const second = processWide('test-process-wide', () => new Map<string, number>());
    expect(second).toBe(first);
    expect(second.get('a')).toBe(1);
    expect(make).toHaveBeenCalledTimes(1);
  });

  it('keeps different names apart', () => {
    expect(processWide('test-process-wide-x', () => ({ n: 1 }))).not.toBe(processWide('test-process-wide-y', () => ({ n: 1 })));
  });
});
