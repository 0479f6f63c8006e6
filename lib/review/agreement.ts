import { krippendorffAlphaNominal } from '@/lib/crowd/agreement';

export interface ExpertAgreement {
  pairs: number;
  /** Share of (clip, tag) answers on which the two experts agree. */
  percentAgreement: number;
  /** Krippendorff's alpha (nominal) over every (clip, tag) unit with two expert answers. */
  alpha: number;
  perTag: { tag: string; percentAgreement: number; alpha: number }[];
}

/**
 * Expert–expert agreement from pairs of independent decisions on the same clips. Each
 * (clip, tag) is a unit coded yes/no by two experts; alpha corrects the raw agreement for the
 * agreement expected by chance from how often each answer is given (Krippendorff 2011).
 * O(pairs × tags).
 *
 * Example: tags [calm, sad]; clip 1 both say [calm]; clip 2 one says [sad], the other [calm].
 * Units (yes,yes) (no,yes) (no,no) (yes,no): agreement 2/4; pooled n = 8 values, 4 yes,
 * D_o = 4/8, D_e = 2·4·4/(8·7) = 4/7, alpha = 1 − (1/2)/(4/7) = 0.125.
 */
export function expertAgreement(pairs: { first: readonly string[]; second: readonly string[] }[], tags: readonly string[]): ExpertAgreement {
  const perTag = tags.map((tag) => {
    const units = pairs.map((p) => [p.first.includes(tag) ? 'yes' : 'no', p.second.includes(tag) ? 'yes' : 'no']);
    const agree = units.filter(([a, b]) => a === b).length;
    return { tag, percentAgreement: units.length ? agree / units.length : NaN, alpha: units.length ? krippendorffAlphaNominal(units).alpha : NaN };
  });
  const all = pairs.flatMap((p) => tags.map((tag) => [p.first.includes(tag) ? 'yes' : 'no', p.second.includes(tag) ? 'yes' : 'no']));
  const agreeing = all.filter(([a, b]) => a === b).length;
  return {
    pairs: pairs.length,
    percentAgreement: all.length ? agreeing / all.length : NaN,
    alpha: all.length ? krippendorffAlphaNominal(all).alpha : NaN,
    perTag,
  };
}
