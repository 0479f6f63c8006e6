import { describe, expect, it } from 'vitest';
import { KEY_CONFIDENCE_MIN, keyLabel, TEMPO_CONFIDENCE_MIN, tempoLabel } from '@/lib/audio/confidence';

describe('tempo and key labels shown to people', () => {
  it('shows the rounded tempo when confident, "uncertain" below the threshold, "—" when missing', () => {
    expect(tempoLabel(119.6, 0.9)).toBe('120 BPM');
    expect(tempoLabel(119.6, TEMPO_CONFIDENCE_MIN)).toBe('120 BPM');
    expect(tempoLabel(119.6, TEMPO_CONFIDENCE_MIN - 0.01)).toBe('uncertain');
    expect(tempoLabel(119.6, null)).toBe('120 BPM'); // rows extracted before confidences existed
    expect(tempoLabel(null, 0.9)).toBe('—');
    expect(tempoLabel(0, 0.9)).toBe('—'); // no periodicity at all
  });

  it('shows key and mode when confident, "uncertain" below the threshold, "—" when missing', () => {
    expect(keyLabel('A', 'minor', 0.8)).toBe('A minor');
    expect(keyLabel('A', 'minor', KEY_CONFIDENCE_MIN)).toBe('A minor');
    expect(keyLabel('A', 'minor', KEY_CONFIDENCE_MIN - 0.01)).toBe('uncertain');
    expect(keyLabel('F#', null, undefined)).toBe('F#');
    expect(keyLabel(null, 'major', 0.9)).toBe('—');
  });
});
