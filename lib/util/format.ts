/**
 * A proportion difference as signed percentage points, one decimal. Rounds before choosing the sign so
 * that a float residue such as -1e-17 reads "+0.0 pts", not "-0.0 pts".
 */
export function signedPoints(x: number): string {
  const tenths = Math.round(1000 * x);
  const sign = tenths >= 0 ? '+' : '-';
  return `${sign}${(Math.abs(tenths) / 10).toFixed(1)} pts`;
}
