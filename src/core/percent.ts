/** A percentage with one decimal, rounded down so that 99.96 % never shows as 100 %: `93.7%`. */
export function percent(n: number, d: number): string {
  if (d === 0) return '—';
  return `${(Math.floor((n / d) * 1000) / 10).toFixed(1)}%`;
}
